# The three images of the guide's step 4, pushed to us-east-1 and replicated to every region so
# each cluster pulls from its own region.
resource "aws_ecr_repository" "image" {
  for_each             = toset(["musicconnect-backend", "musicconnect-websocket", "musicconnect-frontend"])
  provider             = aws.us_east_1
  name                 = each.key
  image_tag_mutability = "MUTABLE" # the guide pushes :latest; deployments pin the git sha tag
  image_scanning_configuration {
    scan_on_push = true
  }
}

resource "aws_ecr_replication_configuration" "regions" {
  count    = length(var.aws_regions) > 1 ? 1 : 0
  provider = aws.us_east_1
  replication_configuration {
    rule {
      dynamic "destination" {
        for_each = [for r in var.aws_regions : r if r != "us-east-1"]
        content {
          region      = destination.value
          registry_id = data.aws_caller_identity.current.account_id
        }
      }
      repository_filter {
        filter      = "musicconnect-"
        filter_type = "PREFIX_MATCH"
      }
    }
  }
}

data "aws_caller_identity" "current" {}
