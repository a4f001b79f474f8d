output "acm_certificate_arn" {
  description = "The validated certificate for the distribution."
  value       = aws_acm_certificate_validation.cdn.certificate_arn
}

output "web_acl_arn" {
  value = aws_wafv2_web_acl.cdn.arn
}
