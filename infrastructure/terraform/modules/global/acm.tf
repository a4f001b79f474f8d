# The viewer certificate of the distribution; CloudFront only takes certificates from us-east-1,
# which is this module's provider.
resource "aws_acm_certificate" "cdn" {
  domain_name               = var.domain_name
  subject_alternative_names = ["*.${var.domain_name}"]
  validation_method         = "DNS"
  tags                      = var.tags
  lifecycle {
    create_before_destroy = true
  }
}

# A name and its wildcard share one validation record, so one record validates the certificate.
resource "aws_route53_record" "cdn_validation" {
  zone_id         = var.zone_id
  name            = tolist(aws_acm_certificate.cdn.domain_validation_options)[0].resource_record_name
  type            = tolist(aws_acm_certificate.cdn.domain_validation_options)[0].resource_record_type
  records         = [tolist(aws_acm_certificate.cdn.domain_validation_options)[0].resource_record_value]
  ttl             = 300
  allow_overwrite = true
}

resource "aws_acm_certificate_validation" "cdn" {
  certificate_arn         = aws_acm_certificate.cdn.arn
  validation_record_fqdns = [aws_route53_record.cdn_validation.fqdn]
}
