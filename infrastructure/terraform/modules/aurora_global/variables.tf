variable "name" {
  description = "Prefix of resource names: <project>-<environment>."
  type        = string
}

variable "networks" {
  description = "Per region: the VPC, private subnets and node security group allowed to connect. Must contain us-east-1 (the primary)."
  type = map(object({
    vpc_id                 = string
    private_subnet_ids     = list(string)
    node_security_group_id = string
  }))
  validation {
    condition     = contains(keys(var.networks), "us-east-1")
    error_message = "The primary region us-east-1 must be among the networks."
  }
}

variable "engine_version" {
  description = "Aurora PostgreSQL version (15.x, the project's only dialect)."
  type        = string
  default     = "15.8"
  validation {
    condition     = startswith(var.engine_version, "15.")
    error_message = "The project runs on PostgreSQL 15 (docs/storage.md)."
  }
}

variable "instance_class" {
  description = "Instance class of writer and reader instances."
  type        = string
  default     = "db.r6g.xlarge"
}

variable "primary_instances" {
  description = "Instances in the primary cluster (the writer plus in-region readers)."
  type        = number
  default     = 2
}

variable "reader_instances" {
  description = "Instances in each secondary (reader) region."
  type        = number
  default     = 1
}

variable "max_connections" {
  description = "PostgreSQL max_connections: size for nodes x (DB_POOL_SIZE + 2 x WORKERS) x 2 plus headroom (docs/operations.md)."
  type        = number
  default     = 2000
}

variable "snapshot_retention_days" {
  description = "How long hourly snapshots (and their cross-region copies) are kept."
  type        = number
  default     = 7
}

variable "private_zone_id" {
  description = "Route 53 private zone musicconnect.internal for writer.db and reader.<region>.db."
  type        = string
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
