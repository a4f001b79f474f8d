# One reader region of the global database: a secondary cluster replicating from the primary,
# the same cluster parameters, a KMS key (encrypted secondaries need one in their own region),
# and the backup vault that receives copies of the hourly snapshots.
resource "aws_kms_key" "this" {
  description         = "${var.name} Aurora storage"
  enable_key_rotation = true
  tags                = var.tags
}

resource "aws_security_group" "this" {
  name        = "${var.name}-aurora"
  description = "PostgreSQL from the EKS nodes"
  vpc_id      = var.network.vpc_id
  tags        = var.tags
}

resource "aws_vpc_security_group_ingress_rule" "this" {
  security_group_id            = aws_security_group.this.id
  referenced_security_group_id = var.network.node_security_group_id
  from_port                    = 5432
  to_port                      = 5432
  ip_protocol                  = "tcp"
}

resource "aws_db_subnet_group" "this" {
  name       = "${var.name}-aurora"
  subnet_ids = var.network.private_subnet_ids
  tags       = var.tags
}

resource "aws_rds_cluster_parameter_group" "this" {
  name        = "${var.name}-aurora-pg15"
  family      = "aurora-postgresql15"
  description = "musicconnect database settings"
  dynamic "parameter" {
    for_each = var.parameters
    content {
      name         = parameter.key
      value        = parameter.value.value
      apply_method = parameter.value.apply
    }
  }
  tags = var.tags
}

resource "aws_rds_cluster" "this" {
  cluster_identifier              = var.name
  global_cluster_identifier       = var.global_cluster_id
  engine                          = "aurora-postgresql"
  engine_version                  = var.engine_version
  db_subnet_group_name            = aws_db_subnet_group.this.name
  vpc_security_group_ids          = [aws_security_group.this.id]
  db_cluster_parameter_group_name = aws_rds_cluster_parameter_group.this.name
  storage_encrypted               = true
  kms_key_id                      = aws_kms_key.this.arn
  backup_retention_period         = 14
  copy_tags_to_snapshot           = true
  deletion_protection             = true
  skip_final_snapshot             = true
  enabled_cloudwatch_logs_exports = ["postgresql"]
  tags                            = var.tags
  lifecycle {
    ignore_changes = [replication_source_identifier, global_cluster_identifier]
  }
}

resource "aws_rds_cluster_instance" "this" {
  count                        = var.instances
  identifier                   = "${var.name}-${count.index}"
  cluster_identifier           = aws_rds_cluster.this.id
  engine                       = aws_rds_cluster.this.engine
  engine_version               = var.engine_version
  instance_class               = var.instance_class
  db_subnet_group_name         = aws_db_subnet_group.this.name
  performance_insights_enabled = true
  auto_minor_version_upgrade   = false
  tags                         = var.tags
}

resource "aws_backup_vault" "this" {
  name = var.name
  tags = var.tags
}

resource "aws_route53_record" "reader" {
  zone_id = var.private_zone_id
  name    = "reader.${var.region}.db.musicconnect.internal"
  type    = "CNAME"
  ttl     = 30
  records = [aws_rds_cluster.this.reader_endpoint]
}
