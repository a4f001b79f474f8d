terraform {
  required_version = ">= 1.5.0"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.60, < 6.0"
    }
  }
  # State lives in S3 with locking; `terraform init -backend-config=...` names the bucket
  # (docs/infrastructure.md). `terraform init -backend=false` is enough to validate.
  backend "s3" {}
}
