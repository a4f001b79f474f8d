# The region's entry point. CloudFront reaches it as <region>.origin.<domain> (and origin.<domain>
# by latency); it forwards HTTPS to ingress-nginx's NodePort on every node.
resource "aws_security_group" "alb" {
  name        = "${var.name}-alb"
  description = "HTTPS from CloudFront and viewers"
  vpc_id      = aws_vpc.this.id
  tags        = var.tags
}

resource "aws_vpc_security_group_ingress_rule" "alb_https" {
  security_group_id = aws_security_group.alb.id
  cidr_ipv4         = "0.0.0.0/0"
  from_port         = 443
  to_port           = 443
  ip_protocol       = "tcp"
}

resource "aws_vpc_security_group_ingress_rule" "alb_http" {
  security_group_id = aws_security_group.alb.id
  cidr_ipv4         = "0.0.0.0/0"
  from_port         = 80
  to_port           = 80
  ip_protocol       = "tcp"
}

resource "aws_vpc_security_group_egress_rule" "alb_to_nodes" {
  security_group_id            = aws_security_group.alb.id
  referenced_security_group_id = aws_eks_cluster.this.vpc_config[0].cluster_security_group_id
  from_port                    = var.ingress_https_node_port
  to_port                      = var.ingress_https_node_port
  ip_protocol                  = "tcp"
}

resource "aws_vpc_security_group_ingress_rule" "nodes_from_alb" {
  security_group_id            = aws_eks_cluster.this.vpc_config[0].cluster_security_group_id
  referenced_security_group_id = aws_security_group.alb.id
  from_port                    = var.ingress_https_node_port
  to_port                      = var.ingress_https_node_port
  ip_protocol                  = "tcp"
}

resource "aws_lb" "this" {
  name                       = "${var.name}-alb"
  load_balancer_type         = "application"
  internal                   = false
  security_groups            = [aws_security_group.alb.id]
  subnets                    = aws_subnet.public[*].id
  drop_invalid_header_fields = true
  idle_timeout               = 3600 # WebSockets
  enable_deletion_protection = true
  tags                       = var.tags
}

resource "aws_acm_certificate" "origin" {
  # Any region's ALB may answer for another region's name after a failover (route53_failover).
  domain_name               = "origin.${var.domain_name}"
  subject_alternative_names = ["*.origin.${var.domain_name}"]
  validation_method         = "DNS"
  tags                      = var.tags
  lifecycle {
    create_before_destroy = true
  }
}

# A name and its wildcard share one validation record, so one record validates the certificate.
resource "aws_route53_record" "origin_validation" {
  zone_id         = var.zone_id
  name            = tolist(aws_acm_certificate.origin.domain_validation_options)[0].resource_record_name
  type            = tolist(aws_acm_certificate.origin.domain_validation_options)[0].resource_record_type
  records         = [tolist(aws_acm_certificate.origin.domain_validation_options)[0].resource_record_value]
  ttl             = 300
  allow_overwrite = true
}

resource "aws_acm_certificate_validation" "origin" {
  certificate_arn         = aws_acm_certificate.origin.arn
  validation_record_fqdns = [aws_route53_record.origin_validation.fqdn]
}

resource "aws_lb_target_group" "ingress" {
  name        = "${var.name}-tg"
  port        = var.ingress_https_node_port
  protocol    = "HTTPS"
  vpc_id      = aws_vpc.this.id
  target_type = "instance"
  health_check {
    protocol = "HTTPS"
    path     = "/healthz" # ingress-nginx's own health endpoint
    port     = "traffic-port"
    matcher  = "200"
  }
  stickiness {
    type    = "lb_cookie"
    enabled = false
  }
  tags = var.tags
}

resource "aws_autoscaling_attachment" "ingress" {
  for_each               = aws_eks_node_group.this
  autoscaling_group_name = each.value.resources[0].autoscaling_groups[0].name
  lb_target_group_arn    = aws_lb_target_group.ingress.arn
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.this.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = aws_acm_certificate_validation.origin.certificate_arn
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.ingress.arn
  }
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "HTTP"
  default_action {
    type = "redirect"
    redirect {
      port        = "443"
      protocol    = "HTTPS"
      status_code = "HTTP_301"
    }
  }
}
