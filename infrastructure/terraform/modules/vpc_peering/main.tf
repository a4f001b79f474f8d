# A VPC peering between the primary region (the hub: Thanos Query) and another region (the spoke:
# its Prometheus sidecar), requested from the hub and accepted in the spoke. Routes are the region
# modules' (peer_routes), so each side's route tables list the other's range.
terraform {
  required_providers {
    aws = {
      source                = "hashicorp/aws"
      version               = ">= 5.60, < 6.0"
      configuration_aliases = [aws.hub, aws.spoke]
    }
  }
}

variable "name" {
  type = string
}

variable "hub_vpc_id" {
  type = string
}

variable "spoke_vpc_id" {
  type = string
}

variable "spoke_region" {
  type = string
}

variable "tags" {
  type    = map(string)
  default = {}
}

resource "aws_vpc_peering_connection" "this" {
  provider    = aws.hub
  vpc_id      = var.hub_vpc_id
  peer_vpc_id = var.spoke_vpc_id
  peer_region = var.spoke_region
  tags        = merge(var.tags, { Name = var.name })
}

resource "aws_vpc_peering_connection_accepter" "this" {
  provider                  = aws.spoke
  vpc_peering_connection_id = aws_vpc_peering_connection.this.id
  auto_accept               = true
  tags                      = merge(var.tags, { Name = var.name })
}

output "id" {
  value = aws_vpc_peering_connection_accepter.this.id
}
