# The Aurora PostgreSQL global database: the writer cluster in us-east-1 and a reader cluster in
# every other region of var.networks (replica/). Failover is Aurora's (managed switchover or
# failover of the global cluster); the servers follow the global writer endpoint.
locals {
  primary = var.networks["us-east-1"]
}

resource "aws_rds_global_cluster" "this" {
  global_cluster_identifier = "${var.name}-global"
  engine                    = "aurora-postgresql"
  engine_version            = var.engine_version
  database_name             = "musicconnect"
  storage_encrypted         = true
  deletion_protection       = true
}

resource "aws_security_group" "primary" {
  name        = "${var.name}-aurora"
  description = "PostgreSQL from the EKS nodes"
  vpc_id      = local.primary.vpc_id
  tags        = var.tags
}

resource "aws_vpc_security_group_ingress_rule" "primary" {
  security_group_id            = aws_security_group.primary.id
  referenced_security_group_id = local.primary.node_security_group_id
  from_port                    = 5432
  to_port                      = 5432
  ip_protocol                  = "tcp"
}

resource "aws_db_subnet_group" "primary" {
  name       = "${var.name}-aurora"
  subnet_ids = local.primary.private_subnet_ids
  tags       = var.tags
}

# The master password is generated once into Secrets Manager (ignore_changes keeps that value);
# the application's own secret (PGPASSWORD) is written by the secrets runbook.
data "aws_secretsmanager_random_password" "master" {
  password_length     = 40
  exclude_punctuation = true
}

resource "aws_secretsmanager_secret" "master" {
  name                    = "${var.name}/aurora-master"
  recovery_window_in_days = 7
  tags                    = var.tags
}

resource "aws_secretsmanager_secret_version" "master" {
  secret_id     = aws_secretsmanager_secret.master.id
  secret_string = data.aws_secretsmanager_random_password.master.random_password
  lifecycle {
    ignore_changes = [secret_string]
  }
}

resource "aws_rds_cluster" "primary" {
  cluster_identifier              = "${var.name}-us-east-1"
  global_cluster_identifier       = aws_rds_global_cluster.this.id
  engine                          = aws_rds_global_cluster.this.engine
  engine_version                  = var.engine_version
  master_username                 = "musicconnect"
  master_password                 = aws_secretsmanager_secret_version.master.secret_string
  db_subnet_group_name            = aws_db_subnet_group.primary.name
  vpc_security_group_ids          = [aws_security_group.primary.id]
  db_cluster_parameter_group_name = aws_rds_cluster_parameter_group.primary.name
  storage_encrypted               = true
  backup_retention_period         = 14
  preferred_backup_window         = "03:00-04:00"
  copy_tags_to_snapshot           = true
  deletion_protection             = true
  skip_final_snapshot             = false
  final_snapshot_identifier       = "${var.name}-us-east-1-final"
  enabled_cloudwatch_logs_exports = ["postgresql"]
  tags                            = var.tags
  lifecycle {
    # After a managed failover the global cluster's membership is Aurora's to change.
    ignore_changes = [global_cluster_identifier, replication_source_identifier]
  }
}

resource "aws_rds_cluster_instance" "primary" {
  count                        = var.primary_instances
  identifier                   = "${var.name}-us-east-1-${count.index}"
  cluster_identifier           = aws_rds_cluster.primary.id
  engine                       = aws_rds_cluster.primary.engine
  engine_version               = var.engine_version
  instance_class               = var.instance_class
  db_subnet_group_name         = aws_db_subnet_group.primary.name
  performance_insights_enabled = true
  auto_minor_version_upgrade   = false
  tags                         = var.tags
}

module "reader_us_west_2" {
  source    = "./replica"
  count     = contains(keys(var.networks), "us-west-2") ? 1 : 0
  providers = { aws = aws.us_west_2 }

  name              = "${var.name}-us-west-2"
  region            = "us-west-2"
  network           = var.networks["us-west-2"]
  global_cluster_id = aws_rds_global_cluster.this.id
  engine_version    = var.engine_version
  instance_class    = var.instance_class
  instances         = var.reader_instances
  parameters        = local.cluster_parameters
  private_zone_id   = var.private_zone_id
  tags              = var.tags
  depends_on        = [aws_rds_cluster_instance.primary]
}

module "reader_eu_west_1" {
  source    = "./replica"
  count     = contains(keys(var.networks), "eu-west-1") ? 1 : 0
  providers = { aws = aws.eu_west_1 }

  name              = "${var.name}-eu-west-1"
  region            = "eu-west-1"
  network           = var.networks["eu-west-1"]
  global_cluster_id = aws_rds_global_cluster.this.id
  engine_version    = var.engine_version
  instance_class    = var.instance_class
  instances         = var.reader_instances
  parameters        = local.cluster_parameters
  private_zone_id   = var.private_zone_id
  tags              = var.tags
  depends_on        = [aws_rds_cluster_instance.primary]
}

module "reader_ap_southeast_1" {
  source    = "./replica"
  count     = contains(keys(var.networks), "ap-southeast-1") ? 1 : 0
  providers = { aws = aws.ap_southeast_1 }

  name              = "${var.name}-ap-southeast-1"
  region            = "ap-southeast-1"
  network           = var.networks["ap-southeast-1"]
  global_cluster_id = aws_rds_global_cluster.this.id
  engine_version    = var.engine_version
  instance_class    = var.instance_class
  instances         = var.reader_instances
  parameters        = local.cluster_parameters
  private_zone_id   = var.private_zone_id
  tags              = var.tags
  depends_on        = [aws_rds_cluster_instance.primary]
}

locals {
  readers = merge(
    { for m in module.reader_us_west_2 : m.region => m },
    { for m in module.reader_eu_west_1 : m.region => m },
    { for m in module.reader_ap_southeast_1 : m.region => m },
  )
}
