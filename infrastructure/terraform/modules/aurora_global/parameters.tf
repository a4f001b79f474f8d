# The database settings every cluster of the global database carries (primary and readers alike,
# so a promoted reader behaves the same). "pending-reboot" parameters apply at the next restart.
locals {
  cluster_parameters = {
    "rds.force_ssl"                       = { value = "1", apply = "immediate" }
    "password_encryption"                 = { value = "scram-sha-256", apply = "immediate" }
    "timezone"                            = { value = "UTC", apply = "immediate" }
    "max_connections"                     = { value = tostring(var.max_connections), apply = "pending-reboot" }
    "shared_preload_libraries"            = { value = "pg_stat_statements", apply = "pending-reboot" }
    "track_io_timing"                     = { value = "1", apply = "immediate" }
    "log_min_duration_statement"          = { value = "500", apply = "immediate" }
    "log_lock_waits"                      = { value = "1", apply = "immediate" }
    "idle_in_transaction_session_timeout" = { value = "60000", apply = "immediate" }
    # Readers answer long analytics queries without cancelling on replay conflicts for long.
    "max_standby_streaming_delay" = { value = "30000", apply = "immediate" }
  }
}

resource "aws_rds_cluster_parameter_group" "primary" {
  name        = "${var.name}-aurora-pg15"
  family      = "aurora-postgresql15"
  description = "musicconnect database settings"
  dynamic "parameter" {
    for_each = local.cluster_parameters
    content {
      name         = parameter.key
      value        = parameter.value.value
      apply_method = parameter.value.apply
    }
  }
  tags = var.tags
}
