# redis.<region>.musicconnect.internal: the name the overlays give the redis-tls sidecar.
resource "aws_route53_zone_association" "internal" {
  count   = var.associate_private_zone ? 1 : 0
  zone_id = var.private_zone_id
  vpc_id  = aws_vpc.this.id
}

resource "aws_route53_record" "redis" {
  zone_id = var.private_zone_id
  name    = "redis.${var.region}.musicconnect.internal"
  type    = "CNAME"
  ttl     = 60
  records = [aws_elasticache_replication_group.this.primary_endpoint_address]
}
