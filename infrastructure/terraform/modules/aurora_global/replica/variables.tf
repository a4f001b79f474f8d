variable "name" {
  description = "Prefix of resource names: <project>-<environment>-<region>."
  type        = string
}

variable "region" {
  description = "This reader region (the provider's region)."
  type        = string
}

variable "network" {
  description = "The region's VPC, private subnets and node security group."
  type = object({
    vpc_id                 = string
    private_subnet_ids     = list(string)
    node_security_group_id = string
  })
}

variable "global_cluster_id" {
  description = "The global cluster this reader cluster joins."
  type        = string
}

variable "engine_version" {
  description = "Aurora PostgreSQL version; must equal the primary's."
  type        = string
}

variable "instance_class" {
  description = "Instance class of the reader instances."
  type        = string
}

variable "instances" {
  description = "Reader instances in this region."
  type        = number
}

variable "parameters" {
  description = "Cluster parameters, the same as the primary's: name => { value, apply }."
  type        = map(object({ value = string, apply = string }))
}

variable "private_zone_id" {
  description = "Route 53 private zone for reader.<region>.db.musicconnect.internal."
  type        = string
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
}
