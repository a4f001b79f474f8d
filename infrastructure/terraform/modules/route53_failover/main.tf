# DNS that takes a failed region out of service within about a minute (3 failed probes, 10 s apart):
#   <region>-direct.origin.<domain>  the region's ALB, always (health checks probe this name)
#   origin.<domain>                  latency-based over the healthy regions (CloudFront's origin)
#   <region>.origin.<domain>         the region while healthy, else origin.<domain> (failover);
#                                    origin-request.js sends each viewer to one of these
#   <domain>, www, api, cdn          the CloudFront distribution
resource "aws_route53_record" "direct" {
  for_each = var.regions
  zone_id  = var.zone_id
  name     = "${each.key}-direct.origin.${var.domain_name}"
  type     = "A"
  alias {
    name                   = each.value.alb_dns_name
    zone_id                = each.value.alb_zone_id
    evaluate_target_health = false
  }
}

resource "aws_route53_health_check" "region" {
  for_each          = var.regions
  fqdn              = aws_route53_record.direct[each.key].fqdn
  port              = 443
  type              = "HTTPS"
  resource_path     = var.health_check_path
  request_interval  = 10
  failure_threshold = 3
  measure_latency   = true
  regions           = ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-1"]
  tags              = merge(var.tags, { Name = "musicconnect-${each.key}" })
}

resource "aws_route53_record" "latency" {
  for_each        = var.regions
  zone_id         = var.zone_id
  name            = "origin.${var.domain_name}"
  type            = "A"
  set_identifier  = each.key
  health_check_id = aws_route53_health_check.region[each.key].id
  latency_routing_policy {
    region = each.key
  }
  alias {
    name                   = each.value.alb_dns_name
    zone_id                = each.value.alb_zone_id
    evaluate_target_health = true
  }
}

resource "aws_route53_record" "regional_primary" {
  for_each        = var.regions
  zone_id         = var.zone_id
  name            = "${each.key}.origin.${var.domain_name}"
  type            = "A"
  set_identifier  = "${each.key}-primary"
  health_check_id = aws_route53_health_check.region[each.key].id
  failover_routing_policy {
    type = "PRIMARY"
  }
  alias {
    name                   = each.value.alb_dns_name
    zone_id                = each.value.alb_zone_id
    evaluate_target_health = true
  }
}

resource "aws_route53_record" "regional_secondary" {
  for_each       = var.regions
  zone_id        = var.zone_id
  name           = "${each.key}.origin.${var.domain_name}"
  type           = "A"
  set_identifier = "${each.key}-secondary"
  failover_routing_policy {
    type = "SECONDARY"
  }
  alias {
    name                   = "origin.${var.domain_name}"
    zone_id                = var.zone_id
    evaluate_target_health = true
  }
  depends_on = [aws_route53_record.latency]
}

resource "aws_route53_record" "public" {
  for_each = toset(flatten([for n in ["", "www.", "api.", "cdn."] : ["${n}${var.domain_name}/A", "${n}${var.domain_name}/AAAA"]]))
  zone_id  = var.zone_id
  name     = split("/", each.key)[0]
  type     = split("/", each.key)[1]
  alias {
    name                   = var.cloudfront.domain_name
    zone_id                = var.cloudfront.hosted_zone_id
    evaluate_target_health = false
  }
}
