# Fake AWS answers for terraform test: values the configuration indexes or parses need a shape.
mock_data "aws_availability_zones" {
  defaults = {
    names = ["zone-a", "zone-b", "zone-c"]
  }
}

mock_data "aws_iam_policy_document" {
  defaults = {
    json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
  }
}

mock_data "aws_caller_identity" {
  defaults = {
    account_id = "123456789012"
  }
}

mock_data "aws_route53_zone" {
  defaults = {
    zone_id = "Z0000000000PUBLIC"
  }
}

mock_resource "aws_eks_cluster" {
  defaults = {
    identity   = [{ oidc = [{ issuer = "https://oidc.eks.example/id/TEST" }] }]
    vpc_config = { cluster_security_group_id = "sg-0cluster" }
  }
}

mock_resource "aws_eks_node_group" {
  defaults = {
    resources = [{ autoscaling_groups = [{ name = "eks-node-group-asg" }] }]
  }
}

mock_resource "aws_acm_certificate" {
  defaults = {
    arn = "arn:aws:acm:us-east-1:123456789012:certificate/test"
    domain_validation_options = [{
      domain_name           = "musicconnect.com"
      resource_record_name  = "_0123.musicconnect.com."
      resource_record_type  = "CNAME"
      resource_record_value = "_4567.acm-validations.aws."
    }]
  }
}

mock_data "aws_secretsmanager_random_password" {
  defaults = {
    random_password = "MockPasswordMockPasswordMockPasswordMockPassword0123456789abcdef"
  }
}

# ARNs the provider validates when one resource refers to another.
mock_resource "aws_iam_role" {
  defaults = {
    arn = "arn:aws:iam::123456789012:role/mock"
  }
}

mock_resource "aws_lb" {
  defaults = {
    arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/mock/0123456789abcdef"
  }
}

mock_resource "aws_lb_listener" {
  defaults = {
    arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/mock/0123456789abcdef/0123456789abcdef"
  }
}

mock_resource "aws_lb_target_group" {
  defaults = {
    arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/mock/0123456789abcdef"
  }
}

mock_resource "aws_acm_certificate_validation" {
  defaults = {
    certificate_arn = "arn:aws:acm:us-east-1:123456789012:certificate/test"
  }
}

mock_resource "aws_kms_key" {
  defaults = {
    arn = "arn:aws:kms:us-east-1:123456789012:key/mock"
  }
}

mock_resource "aws_lambda_function" {
  defaults = {
    arn           = "arn:aws:lambda:us-east-1:123456789012:function:mock"
    qualified_arn = "arn:aws:lambda:us-east-1:123456789012:function:mock:1"
  }
}

mock_resource "aws_backup_vault" {
  defaults = {
    arn = "arn:aws:backup:us-west-2:123456789012:backup-vault:mock"
  }
}

mock_resource "aws_rds_cluster" {
  defaults = {
    arn = "arn:aws:rds:us-east-1:123456789012:cluster:mock"
  }
}

mock_resource "aws_s3_bucket" {
  defaults = {
    arn = "arn:aws:s3:::mock-bucket"
  }
}

mock_resource "aws_wafv2_web_acl" {
  defaults = {
    arn = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/mock/0123"
  }
}
