# The servers write media to the primary region's bucket; S3 replicates every object (and delete
# marker) to the other regions' buckets, which a region evacuation can switch S3_BUCKET to.
data "aws_iam_policy_document" "replication_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["s3.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "replication" {
  statement {
    actions   = ["s3:GetReplicationConfiguration", "s3:ListBucket"]
    resources = [module.region_us_east_1.media_bucket.arn]
  }
  statement {
    actions   = ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"]
    resources = ["${module.region_us_east_1.media_bucket.arn}/*"]
  }
  statement {
    actions   = ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"]
    resources = [for r, m in local.regions : "${m.media_bucket.arn}/*" if r != "us-east-1"]
  }
}

resource "aws_iam_role" "media_replication" {
  count              = length(var.aws_regions) > 1 ? 1 : 0
  provider           = aws.us_east_1
  name               = "${local.name}-media-replication"
  assume_role_policy = data.aws_iam_policy_document.replication_assume.json
}

resource "aws_iam_role_policy" "media_replication" {
  count    = length(var.aws_regions) > 1 ? 1 : 0
  provider = aws.us_east_1
  role     = aws_iam_role.media_replication[0].id
  policy   = data.aws_iam_policy_document.replication.json
}

resource "aws_s3_bucket_replication_configuration" "media" {
  count    = length(var.aws_regions) > 1 ? 1 : 0
  provider = aws.us_east_1
  bucket   = module.region_us_east_1.media_bucket.id
  role     = aws_iam_role.media_replication[0].arn

  dynamic "rule" {
    for_each = [for r in var.aws_regions : r if r != "us-east-1"]
    content {
      id       = "to-${rule.value}"
      priority = index(var.aws_regions, rule.value)
      status   = "Enabled"
      filter {}
      delete_marker_replication {
        status = "Enabled"
      }
      destination {
        bucket        = local.regions[rule.value].media_bucket.arn
        storage_class = "STANDARD"
      }
    }
  }
}
