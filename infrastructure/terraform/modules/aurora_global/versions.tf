terraform {
  required_providers {
    aws = {
      source                = "hashicorp/aws"
      version               = ">= 5.60, < 6.0"
      configuration_aliases = [aws.us_west_2, aws.eu_west_1, aws.ap_southeast_1]
    }
  }
}
