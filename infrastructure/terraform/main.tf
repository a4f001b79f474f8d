locals {
  name = "${var.project_name}-${var.environment}"
  tags = { Project = var.project_name, Environment = var.environment, ManagedBy = "terraform" }
  on   = { for r in var.aws_regions : r => true }
}

data "aws_route53_zone" "public" {
  name         = var.domain_name
  private_zone = false
}

# musicconnect.internal: the stable names the Kubernetes overlays use for the database writer,
# each region's reader and each region's Redis. Created with the primary VPC, associated with the rest.
resource "aws_route53_zone" "internal" {
  name = "musicconnect.internal"
  vpc {
    vpc_id = module.region_us_east_1.vpc_id
  }
  lifecycle {
    ignore_changes = [vpc]
  }
}

module "global" {
  source      = "./modules/global"
  providers   = { aws = aws.us_east_1 }
  name        = local.name
  domain_name = var.domain_name
  zone_id     = data.aws_route53_zone.public.zone_id
}

module "region_us_east_1" {
  source    = "./modules/region"
  providers = { aws = aws.us_east_1 }

  name                   = "${var.project_name}-us-east-1"
  region                 = "us-east-1"
  vpc_cidr               = var.vpc_cidrs["us-east-1"]
  eks_version            = var.eks_version
  on_demand_nodes        = var.node_groups["us-east-1"].on_demand
  spot_nodes             = var.node_groups["us-east-1"].spot
  domain_name            = var.domain_name
  zone_id                = data.aws_route53_zone.public.zone_id
  private_zone_id        = aws_route53_zone.internal.zone_id
  app_secret_name        = aws_secretsmanager_secret.app.name
  associate_private_zone = false
  # The guide's Grafana, Prometheus and Thanos Query addresses (Grafana and Thanos Query run here).
  console_hosts = ["grafana", "prometheus", "thanos"]
  # Thanos Query reads the other regions' sidecars over VPC peering.
  peer_routes = concat(
    [for m in module.peering_us_west_2 : { cidr = var.vpc_cidrs["us-west-2"], peering_connection_id = m.id }],
    [for m in module.peering_eu_west_1 : { cidr = var.vpc_cidrs["eu-west-1"], peering_connection_id = m.id }],
    [for m in module.peering_ap_southeast_1 : { cidr = var.vpc_cidrs["ap-southeast-1"], peering_connection_id = m.id }],
  )
}

module "region_us_west_2" {
  source    = "./modules/region"
  count     = lookup(local.on, "us-west-2", false) ? 1 : 0
  providers = { aws = aws.us_west_2 }

  name            = "${var.project_name}-us-west-2"
  region          = "us-west-2"
  vpc_cidr        = var.vpc_cidrs["us-west-2"]
  eks_version     = var.eks_version
  on_demand_nodes = var.node_groups["us-west-2"].on_demand
  spot_nodes      = var.node_groups["us-west-2"].spot
  domain_name     = var.domain_name
  zone_id         = data.aws_route53_zone.public.zone_id
  private_zone_id = aws_route53_zone.internal.zone_id
  app_secret_name = aws_secretsmanager_secret.app.name
  # Its Prometheus sidecar, read by Thanos Query in us-east-1 over VPC peering.
  thanos_query_cidr = var.vpc_cidrs["us-east-1"]
  peer_routes       = [for m in module.peering_us_west_2 : { cidr = var.vpc_cidrs["us-east-1"], peering_connection_id = m.id }]
}

module "peering_us_west_2" {
  source    = "./modules/vpc_peering"
  count     = lookup(local.on, "us-west-2", false) ? 1 : 0
  providers = { aws.hub = aws.us_east_1, aws.spoke = aws.us_west_2 }

  name         = "${var.project_name}-us-east-1-us-west-2"
  hub_vpc_id   = module.region_us_east_1.vpc_id
  spoke_vpc_id = module.region_us_west_2[0].vpc_id
  spoke_region = "us-west-2"
}

module "region_eu_west_1" {
  source    = "./modules/region"
  count     = lookup(local.on, "eu-west-1", false) ? 1 : 0
  providers = { aws = aws.eu_west_1 }

  name            = "${var.project_name}-eu-west-1"
  region          = "eu-west-1"
  vpc_cidr        = var.vpc_cidrs["eu-west-1"]
  eks_version     = var.eks_version
  on_demand_nodes = var.node_groups["eu-west-1"].on_demand
  spot_nodes      = var.node_groups["eu-west-1"].spot
  domain_name     = var.domain_name
  zone_id         = data.aws_route53_zone.public.zone_id
  private_zone_id = aws_route53_zone.internal.zone_id
  app_secret_name = aws_secretsmanager_secret.app.name
  # Its Prometheus sidecar, read by Thanos Query in us-east-1 over VPC peering.
  thanos_query_cidr = var.vpc_cidrs["us-east-1"]
  peer_routes       = [for m in module.peering_eu_west_1 : { cidr = var.vpc_cidrs["us-east-1"], peering_connection_id = m.id }]
}

module "peering_eu_west_1" {
  source    = "./modules/vpc_peering"
  count     = lookup(local.on, "eu-west-1", false) ? 1 : 0
  providers = { aws.hub = aws.us_east_1, aws.spoke = aws.eu_west_1 }

  name         = "${var.project_name}-us-east-1-eu-west-1"
  hub_vpc_id   = module.region_us_east_1.vpc_id
  spoke_vpc_id = module.region_eu_west_1[0].vpc_id
  spoke_region = "eu-west-1"
}

module "region_ap_southeast_1" {
  source    = "./modules/region"
  count     = lookup(local.on, "ap-southeast-1", false) ? 1 : 0
  providers = { aws = aws.ap_southeast_1 }

  name            = "${var.project_name}-ap-southeast-1"
  region          = "ap-southeast-1"
  vpc_cidr        = var.vpc_cidrs["ap-southeast-1"]
  eks_version     = var.eks_version
  on_demand_nodes = var.node_groups["ap-southeast-1"].on_demand
  spot_nodes      = var.node_groups["ap-southeast-1"].spot
  domain_name     = var.domain_name
  zone_id         = data.aws_route53_zone.public.zone_id
  private_zone_id = aws_route53_zone.internal.zone_id
  app_secret_name = aws_secretsmanager_secret.app.name
  # Its Prometheus sidecar, read by Thanos Query in us-east-1 over VPC peering.
  thanos_query_cidr = var.vpc_cidrs["us-east-1"]
  peer_routes       = [for m in module.peering_ap_southeast_1 : { cidr = var.vpc_cidrs["us-east-1"], peering_connection_id = m.id }]
}

module "peering_ap_southeast_1" {
  source    = "./modules/vpc_peering"
  count     = lookup(local.on, "ap-southeast-1", false) ? 1 : 0
  providers = { aws.hub = aws.us_east_1, aws.spoke = aws.ap_southeast_1 }

  name         = "${var.project_name}-us-east-1-ap-southeast-1"
  hub_vpc_id   = module.region_us_east_1.vpc_id
  spoke_vpc_id = module.region_ap_southeast_1[0].vpc_id
  spoke_region = "ap-southeast-1"
}

locals {
  regions = merge(
    { "us-east-1" = module.region_us_east_1 },
    { for m in module.region_us_west_2 : "us-west-2" => m },
    { for m in module.region_eu_west_1 : "eu-west-1" => m },
    { for m in module.region_ap_southeast_1 : "ap-southeast-1" => m },
  )
}

module "aurora_global" {
  source = "./modules/aurora_global"
  providers = {
    aws                = aws.us_east_1
    aws.us_west_2      = aws.us_west_2
    aws.eu_west_1      = aws.eu_west_1
    aws.ap_southeast_1 = aws.ap_southeast_1
  }

  name           = local.name
  instance_class = var.aurora_instance_class
  networks = {
    for r, m in local.regions : r => {
      vpc_id                 = m.vpc_id
      private_subnet_ids     = m.private_subnet_ids
      node_security_group_id = m.node_security_group_id
    }
  }
  private_zone_id = aws_route53_zone.internal.zone_id
}

module "cloudfront" {
  source    = "./modules/cloudfront"
  providers = { aws = aws.us_east_1 }

  name                 = local.name
  domain_name          = var.domain_name
  acm_certificate_arn  = module.global.acm_certificate_arn
  web_acl_arn          = module.global.web_acl_arn
  media_public_key_pem = var.media_public_key_pem
}

module "route53_failover" {
  source    = "./modules/route53_failover"
  providers = { aws = aws.us_east_1 }

  domain_name = var.domain_name
  zone_id     = data.aws_route53_zone.public.zone_id
  regions     = { for r, m in local.regions : r => { alb_dns_name = m.alb_dns_name, alb_zone_id = m.alb_zone_id } }
  cloudfront  = { domain_name = module.cloudfront.domain_name, hosted_zone_id = module.cloudfront.hosted_zone_id }
}
