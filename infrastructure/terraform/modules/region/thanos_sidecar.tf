# This region's Prometheus, as Thanos Query in another region reads it (infrastructure/monitoring/
# thanos-values.yaml: thanos-sidecar.<region>.musicconnect.internal:10901). An internal NLB forwards
# gRPC to the sidecar's NodePort Service (regions/<region>/prometheus.yaml) on every node; the
# querying region reaches it over VPC peering (thanos_peering.tf in the root module). The NLB keeps
# client addresses, so the nodes admit the querying VPC's range, and this VPC's for health checks.
locals {
  thanos_sidecar = var.thanos_query_cidr == null ? 0 : 1
}

resource "aws_lb" "thanos_sidecar" {
  count              = local.thanos_sidecar
  name               = "${var.name}-tsc" # thanos sidecar; load balancer names are at most 32 characters
  load_balancer_type = "network"
  internal           = true
  subnets            = aws_subnet.private[*].id
  tags               = var.tags
}

resource "aws_lb_target_group" "thanos_sidecar" {
  count       = local.thanos_sidecar
  name        = "${var.name}-tsc"
  port        = var.thanos_sidecar_node_port
  protocol    = "TCP"
  vpc_id      = aws_vpc.this.id
  target_type = "instance"
  health_check {
    protocol = "TCP"
  }
  tags = var.tags
}

resource "aws_autoscaling_attachment" "thanos_sidecar" {
  for_each               = local.thanos_sidecar == 1 ? aws_eks_node_group.this : {}
  autoscaling_group_name = each.value.resources[0].autoscaling_groups[0].name
  lb_target_group_arn    = aws_lb_target_group.thanos_sidecar[0].arn
}

resource "aws_lb_listener" "thanos_sidecar" {
  count             = local.thanos_sidecar
  load_balancer_arn = aws_lb.thanos_sidecar[0].arn
  port              = 10901
  protocol          = "TCP"
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.thanos_sidecar[0].arn
  }
}

resource "aws_vpc_security_group_ingress_rule" "thanos_sidecar" {
  for_each          = local.thanos_sidecar == 1 ? toset(distinct([var.thanos_query_cidr, var.vpc_cidr])) : toset([])
  security_group_id = aws_eks_cluster.this.vpc_config[0].cluster_security_group_id
  cidr_ipv4         = each.value
  from_port         = var.thanos_sidecar_node_port
  to_port           = var.thanos_sidecar_node_port
  ip_protocol       = "tcp"
}

resource "aws_route53_record" "thanos_sidecar" {
  count   = local.thanos_sidecar
  zone_id = var.private_zone_id
  name    = "thanos-sidecar.${var.region}.musicconnect.internal"
  type    = "A"
  alias {
    name                   = aws_lb.thanos_sidecar[0].dns_name
    zone_id                = aws_lb.thanos_sidecar[0].zone_id
    evaluate_target_health = false
  }
}
