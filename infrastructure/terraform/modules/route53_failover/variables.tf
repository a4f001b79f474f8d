variable "domain_name" {
  description = "The public domain."
  type        = string
}

variable "zone_id" {
  description = "Its Route 53 public hosted zone."
  type        = string
}

variable "regions" {
  description = "Per region: its ALB (DNS name and hosted zone id)."
  type        = map(object({ alb_dns_name = string, alb_zone_id = string }))
}

variable "cloudfront" {
  description = "The distribution the public names point at."
  type        = object({ domain_name = string, hosted_zone_id = string })
}

variable "health_check_path" {
  description = "Path Route 53 probes on each region (through ingress-nginx to the backend)."
  type        = string
  default     = "/ready"
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
