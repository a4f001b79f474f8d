# Hourly snapshots of the writer cluster by AWS Backup, each copied to the vault of every reader
# region (RPO of the backups: one hour; the global database's own replication is seconds).
data "aws_iam_policy_document" "backup_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["backup.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "backup" {
  name               = "${var.name}-aurora-backup"
  assume_role_policy = data.aws_iam_policy_document.backup_assume.json
  tags               = var.tags
}

resource "aws_iam_role_policy_attachment" "backup" {
  role       = aws_iam_role.backup.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup"
}

resource "aws_backup_vault" "primary" {
  name = "${var.name}-us-east-1"
  tags = var.tags
}

resource "aws_backup_plan" "hourly" {
  name = "${var.name}-aurora-hourly"
  rule {
    rule_name         = "hourly"
    target_vault_name = aws_backup_vault.primary.name
    schedule          = "cron(0 * ? * * *)"
    start_window      = 60
    completion_window = 120
    lifecycle {
      delete_after = var.snapshot_retention_days
    }
    dynamic "copy_action" {
      for_each = local.readers
      content {
        destination_vault_arn = copy_action.value.backup_vault_arn
        lifecycle {
          delete_after = var.snapshot_retention_days
        }
      }
    }
  }
  tags = var.tags
}

resource "aws_backup_selection" "primary" {
  name         = "${var.name}-aurora"
  plan_id      = aws_backup_plan.hourly.id
  iam_role_arn = aws_iam_role.backup.arn
  resources    = [aws_rds_cluster.primary.arn]
}
