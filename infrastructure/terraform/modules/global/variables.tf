variable "name" {
  description = "Prefix of resource names: <project>-<environment>."
  type        = string
}

variable "domain_name" {
  description = "The public domain."
  type        = string
}

variable "zone_id" {
  description = "Its Route 53 public hosted zone (DNS validation)."
  type        = string
}

variable "rate_limit_per_5min" {
  description = "Requests per 5 minutes one IP may send before the WAF blocks it (the server has finer per-user limits)."
  type        = number
  default     = 6000
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
