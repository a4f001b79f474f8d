# The first four are the guide's terraform.tfvars; everything else has a production default.
variable "project_name" {
  description = "Prefix of every resource name."
  type        = string
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,12}$", var.project_name))
    error_message = "Lower-case letters, digits and dashes, at most 13 characters: load balancer names (<project>-ap-southeast-1-alb) are limited to 32."
  }
}

variable "environment" {
  description = "production, staging, ..."
  type        = string
}

variable "domain_name" {
  description = "The public domain, whose Route 53 hosted zone already exists (the guide's prerequisites)."
  type        = string
}

variable "aws_regions" {
  description = "Regions to run in. us-east-1 (the primary) is required; the others are optional."
  type        = list(string)
  validation {
    condition     = contains(var.aws_regions, "us-east-1") && alltrue([for r in var.aws_regions : contains(["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-1"], r)])
    error_message = "aws_regions must include us-east-1 and may add us-west-2, eu-west-1 and ap-southeast-1 (one provider block each in providers.tf)."
  }
}

variable "vpc_cidrs" {
  description = "Non-overlapping VPC ranges per region."
  type        = map(string)
  default = {
    "us-east-1"      = "10.10.0.0/16"
    "us-west-2"      = "10.20.0.0/16"
    "eu-west-1"      = "10.30.0.0/16"
    "ap-southeast-1" = "10.40.0.0/16"
  }
}

variable "eks_version" {
  description = "Kubernetes version of every EKS cluster (1.28 or later)."
  type        = string
  default     = "1.30"
  validation {
    condition     = can(regex("^1\\.(2[89]|[3-9][0-9])$", var.eks_version))
    error_message = "EKS 1.28 or later is required."
  }
}

variable "node_groups" {
  description = "Per region: on-demand (baseline) and spot (burst) node group sizes."
  type = map(object({
    on_demand = object({ min = number, desired = number, max = number })
    spot      = object({ min = number, desired = number, max = number })
  }))
  default = {
    "us-east-1"      = { on_demand = { min = 3, desired = 4, max = 20 }, spot = { min = 0, desired = 4, max = 40 } }
    "us-west-2"      = { on_demand = { min = 3, desired = 3, max = 20 }, spot = { min = 0, desired = 3, max = 40 } }
    "eu-west-1"      = { on_demand = { min = 3, desired = 3, max = 15 }, spot = { min = 0, desired = 3, max = 30 } }
    "ap-southeast-1" = { on_demand = { min = 2, desired = 2, max = 10 }, spot = { min = 0, desired = 2, max = 20 } }
  }
}

variable "aurora_instance_class" {
  description = "Instance class of every Aurora instance."
  type        = string
  default     = "db.r6g.xlarge"
}

variable "media_public_key_pem" {
  description = "Public key matching the servers' CLOUDFRONT_PRIVATE_KEY (signed /media/ URLs)."
  type        = string
  default     = null
}

variable "github_repository" {
  description = "owner/name of the GitHub repository whose workflows may assume the release role (ci_deploy.tf)"
  type        = string
  default     = "musicconnect/musicconnect"
  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.github_repository))
    error_message = "github_repository must be owner/name."
  }
}
