# Lets one IAM principal act in some namespaces of one EKS cluster through an access entry (the
# release pipeline's role: create canary Deployments, set images, port-forward for health checks).
variable "cluster_name" {
  description = "the EKS cluster"
  type        = string
}

variable "principal_arn" {
  description = "the IAM role that gets access"
  type        = string
}

variable "namespaces" {
  description = "namespaces where the principal may edit (Kubernetes' edit role)"
  type        = list(string)
}

resource "aws_eks_access_entry" "this" {
  cluster_name  = var.cluster_name
  principal_arn = var.principal_arn
  type          = "STANDARD"
}

resource "aws_eks_access_policy_association" "edit" {
  cluster_name  = var.cluster_name
  principal_arn = aws_eks_access_entry.this.principal_arn
  policy_arn    = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy"
  access_scope {
    type       = "namespace"
    namespaces = var.namespaces
  }
}
