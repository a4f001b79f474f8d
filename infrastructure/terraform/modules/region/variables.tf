variable "name" {
  description = "Prefix of every resource name: <project>-<region>."
  type        = string
}

variable "region" {
  description = "The AWS region this module is instantiated in (its provider's region)."
  type        = string
}

variable "vpc_cidr" {
  description = "The region's VPC range; ranges must not overlap across regions."
  type        = string
}

variable "availability_zone_count" {
  description = "Availability zones to spread subnets, nodes and caches over."
  type        = number
  default     = 3
  validation {
    condition     = var.availability_zone_count >= 2 && var.availability_zone_count <= 6
    error_message = "Use between 2 and 6 availability zones."
  }
}

variable "eks_version" {
  description = "Kubernetes version of the EKS control plane."
  type        = string
  default     = "1.30"
  validation {
    condition     = can(regex("^1\\.(2[89]|[3-9][0-9])$", var.eks_version))
    error_message = "EKS 1.28 or later is required."
  }
}

variable "node_instance_types" {
  description = "Instance types for the on-demand node group (the first) and the spot node group (all)."
  type        = list(string)
  default     = ["m6i.xlarge", "m6a.xlarge", "m5.xlarge"]
}

variable "on_demand_nodes" {
  description = "Size of the on-demand node group: the baseline capacity."
  type        = object({ min = number, desired = number, max = number })
}

variable "spot_nodes" {
  description = "Size of the spot node group: burst capacity (about half of the compute)."
  type        = object({ min = number, desired = number, max = number })
}

variable "redis_node_type" {
  description = "ElastiCache node type."
  type        = string
  default     = "cache.r7g.large"
}

variable "domain_name" {
  description = "The public domain; the region's origin is <region>.origin.<domain>."
  type        = string
}

variable "zone_id" {
  description = "Route 53 public hosted zone of domain_name (ACM DNS validation)."
  type        = string
}

variable "private_zone_id" {
  description = "Route 53 private zone musicconnect.internal (redis.<region> record)."
  type        = string
}

variable "ingress_https_node_port" {
  description = "NodePort of ingress-nginx's HTTPS port; the ALB forwards to it (docs/infrastructure.md)."
  type        = number
  default     = 30443
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}

variable "associate_private_zone" {
  description = "Associate the private zone with this VPC (false for the VPC the zone was created with)."
  type        = bool
  default     = true
}

variable "app_secret_name" {
  description = "Name of the app secret in Secrets Manager (replicated here): what external-secrets may read."
  type        = string
}

variable "console_hosts" {
  description = "Names under domain_name this region's ALB also answers for the monitoring consoles (us-east-1: grafana, prometheus, thanos), with their own certificate."
  type        = list(string)
  default     = []
}

variable "peer_routes" {
  description = "Other regions' VPC ranges reached through VPC peering (the monitoring link of thanos_peering.tf)."
  type        = list(object({ cidr = string, peering_connection_id = string }))
  default     = []
}

variable "thanos_query_cidr" {
  description = "VPC range of the region whose Thanos Query reads this region's Prometheus sidecar; null: no sidecar endpoint (the region running Thanos Query)."
  type        = string
  default     = null
}

variable "thanos_sidecar_node_port" {
  description = "NodePort of the Thanos sidecar's gRPC Service (prometheus.thanosServiceExternal.nodePort in the region's monitoring values)."
  type        = number
  default     = 30901
}
