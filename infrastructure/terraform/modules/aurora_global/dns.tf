# Stable private names for the overlays: writer.db follows the global writer endpoint (which
# Aurora moves on switchover and failover), reader.<region>.db is each region's reader endpoint.
resource "aws_route53_record" "writer" {
  zone_id = var.private_zone_id
  name    = "writer.db.musicconnect.internal"
  type    = "CNAME"
  ttl     = 30
  records = [aws_rds_global_cluster.this.endpoint]
}

resource "aws_route53_record" "reader_primary" {
  zone_id = var.private_zone_id
  name    = "reader.us-east-1.db.musicconnect.internal"
  type    = "CNAME"
  ttl     = 30
  records = [aws_rds_cluster.primary.reader_endpoint]
}
