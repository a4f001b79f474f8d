# The Lambda@Edge functions (lambda/*.js), published as versions in us-east-1 as Lambda@Edge
# requires. The zips are what the guide's step 6 builds in lambda/; build them before `plan`.
locals {
  lambda_dir = coalesce(var.lambda_dir, "${path.module}/lambda")
  edge_functions = {
    origin-request  = { event = "origin-request", timeout = 5 }
    viewer-response = { event = "viewer-response", timeout = 5 }
  }
}

data "aws_iam_policy_document" "edge_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com", "edgelambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "edge" {
  name               = "${var.name}-lambda-edge"
  assume_role_policy = data.aws_iam_policy_document.edge_assume.json
  tags               = var.tags
}

resource "aws_iam_role_policy_attachment" "edge_logs" {
  role       = aws_iam_role.edge.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
}

resource "aws_lambda_function" "edge" {
  for_each         = local.edge_functions
  function_name    = "${var.name}-${each.key}"
  role             = aws_iam_role.edge.arn
  runtime          = "nodejs20.x"
  handler          = "${each.key}.handler"
  filename         = "${local.lambda_dir}/${each.key}.zip"
  source_code_hash = try(filebase64sha256("${local.lambda_dir}/${each.key}.zip"), null)
  timeout          = each.value.timeout
  memory_size      = 128
  publish          = true
  tags             = var.tags
}

check "edge_packages_built" {
  assert {
    condition     = alltrue([for f in keys(local.edge_functions) : fileexists("${local.lambda_dir}/${f}.zip")])
    error_message = "Build the Lambda@Edge packages first: cd ${local.lambda_dir} && zip -r origin-request.zip origin-request.js && zip -r viewer-response.zip viewer-response.js"
  }
}
