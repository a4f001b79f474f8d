# The application's secret (JWT_SECRET, MEDIA_URL_SECRET, STRIPE_*, PGPASSWORD, REDIS_URL,
# CLOUDFRONT_*, S3 keys), read by the ExternalSecret in every cluster. Terraform creates the
# container and its regional replicas; the values are put by the secrets runbook, never by Terraform.
resource "aws_secretsmanager_secret" "app" {
  provider                = aws.us_east_1
  name                    = "${var.project_name}/${var.environment}/app"
  description             = "musicconnect server secrets (docs/operations.md)"
  recovery_window_in_days = 7
  dynamic "replica" {
    for_each = [for r in var.aws_regions : r if r != "us-east-1"]
    content {
      region = replica.value
    }
  }
}
