# The monitoring UIs behind this region's ALB (infrastructure/monitoring, docs/infrastructure.md
# "Monitoring hosts"). The ALB terminates TLS, so every name it answers needs a certificate there:
#   prometheus-<region>.origin.<domain>  this region's Prometheus (covered by the origin wildcard)
#   <console_hosts>.<domain>             the guide's grafana, prometheus and thanos names, answered by
#                                        the region given them (us-east-1, where Grafana and Thanos
#                                        Query run), with their own certificate on the listener
locals {
  console_names    = [for h in var.console_hosts : "${h}.${var.domain_name}"]
  monitoring_names = concat(["prometheus-${var.region}.origin.${var.domain_name}"], local.console_names)
  console_validation = length(aws_acm_certificate.console) == 0 ? {} : {
    for o in aws_acm_certificate.console[0].domain_validation_options : o.domain_name => o
  }
}

resource "aws_acm_certificate" "console" {
  count                     = length(local.console_names) > 0 ? 1 : 0
  domain_name               = local.console_names[0]
  subject_alternative_names = slice(local.console_names, 1, length(local.console_names))
  validation_method         = "DNS"
  tags                      = var.tags
  lifecycle {
    create_before_destroy = true
  }
}

# One validation record per name (keyed by the names, which are known when planning).
resource "aws_route53_record" "console_validation" {
  for_each        = toset(length(aws_acm_certificate.console) == 0 ? [] : local.console_names)
  zone_id         = var.zone_id
  name            = local.console_validation[each.key].resource_record_name
  type            = local.console_validation[each.key].resource_record_type
  records         = [local.console_validation[each.key].resource_record_value]
  ttl             = 300
  allow_overwrite = true
}

resource "aws_acm_certificate_validation" "console" {
  count                   = length(aws_acm_certificate.console)
  certificate_arn         = aws_acm_certificate.console[0].arn
  validation_record_fqdns = [for r in aws_route53_record.console_validation : r.fqdn]
}

# SNI: the listener serves this certificate to viewers asking for a console name.
resource "aws_lb_listener_certificate" "console" {
  count           = length(aws_acm_certificate_validation.console)
  listener_arn    = aws_lb_listener.https.arn
  certificate_arn = aws_acm_certificate_validation.console[0].certificate_arn
}

# Every monitoring name points at this region's ALB.
resource "aws_route53_record" "monitoring" {
  for_each = toset(local.monitoring_names)
  zone_id  = var.zone_id
  name     = each.value
  type     = "A"
  alias {
    name                   = aws_lb.this.dns_name
    zone_id                = aws_lb.this.zone_id
    evaluate_target_health = false
  }
}
