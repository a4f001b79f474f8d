variable "name" {
  description = "Prefix of resource names: <project>-<environment>."
  type        = string
}

variable "domain_name" {
  description = "The public domain; the distribution answers for it, www, api and cdn."
  type        = string
}

variable "acm_certificate_arn" {
  description = "Certificate in us-east-1 covering the aliases (module global)."
  type        = string
}

variable "web_acl_arn" {
  description = "WAFv2 web ACL (CLOUDFRONT scope) attached to the distribution (module global)."
  type        = string
}

variable "media_public_key_pem" {
  description = "Public half of CLOUDFRONT_PRIVATE_KEY, the key the server signs /media/ URLs with; null = the servers check their own HMAC-signed URLs."
  type        = string
  default     = null
}

variable "price_class" {
  description = "CloudFront price class (edge locations used)."
  type        = string
  default     = "PriceClass_All"
}

variable "lambda_dir" {
  description = "Where origin-request.zip and viewer-response.zip are (the guide's `zip` step)."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
