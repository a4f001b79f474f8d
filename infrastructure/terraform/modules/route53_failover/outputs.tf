output "health_check_ids" {
  description = "region => Route 53 health check id (alarms and runbooks watch these)."
  value       = { for r, h in aws_route53_health_check.region : r => h.id }
}
