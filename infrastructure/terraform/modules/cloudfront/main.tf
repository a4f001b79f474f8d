# The distribution in front of every region: one origin (origin.<domain>, which origin-request.js
# narrows to the viewer's region), a behaviour per kind of traffic, the WAF and the certificate.
locals {
  origin_id = "regions"
  aliases   = [var.domain_name, "www.${var.domain_name}", "api.${var.domain_name}", "cdn.${var.domain_name}"]
  edge = {
    origin_request  = aws_lambda_function.edge["origin-request"].qualified_arn
    viewer_response = aws_lambda_function.edge["viewer-response"].qualified_arn
  }
  # Path pattern => behaviour, in CloudFront's order of precedence.
  behaviours = [
    { path = "/api/*", methods = "all", cache = data.aws_cloudfront_cache_policy.disabled.id, origin_request = data.aws_cloudfront_origin_request_policy.all_viewer.id, signed = false },
    { path = "/ws", methods = "all", cache = data.aws_cloudfront_cache_policy.disabled.id, origin_request = data.aws_cloudfront_origin_request_policy.all_viewer.id, signed = false },
    { path = "/health", methods = "read", cache = data.aws_cloudfront_cache_policy.disabled.id, origin_request = aws_cloudfront_origin_request_policy.origin["viewer_location"].id, signed = false },
    # Pictures are public (profile images, artwork): never behind the key group.
    { path = "/media/images/*", methods = "read", cache = aws_cloudfront_cache_policy.media["public_media"].id, origin_request = aws_cloudfront_origin_request_policy.origin["viewer_location"].id, signed = false },
    { path = "/media/artwork/*", methods = "read", cache = aws_cloudfront_cache_policy.media["public_media"].id, origin_request = aws_cloudfront_origin_request_policy.origin["viewer_location"].id, signed = false },
    { path = "/media/*.m3u8", methods = "read", cache = aws_cloudfront_cache_policy.media["hls_playlist"].id, origin_request = aws_cloudfront_origin_request_policy.origin["signed_media"].id, signed = true },
    { path = "/media/*", methods = "read", cache = aws_cloudfront_cache_policy.media["hls_segment"].id, origin_request = aws_cloudfront_origin_request_policy.origin["signed_media"].id, signed = true },
  ]
  methods = {
    all  = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
    read = ["GET", "HEAD", "OPTIONS"]
  }
}

resource "aws_cloudfront_distribution" "this" {
  enabled         = true
  is_ipv6_enabled = true
  http_version    = "http2and3"
  comment         = "${var.name}: web app, API, WebSocket and media"
  aliases         = local.aliases
  price_class     = var.price_class
  web_acl_id      = var.web_acl_arn

  origin {
    origin_id   = local.origin_id
    domain_name = "origin.${var.domain_name}"
    custom_origin_config {
      http_port                = 80
      https_port               = 443
      origin_protocol_policy   = "https-only"
      origin_ssl_protocols     = ["TLSv1.2"]
      origin_read_timeout      = 60
      origin_keepalive_timeout = 60
    }
  }

  # The web app (frontend Deployment).
  default_cache_behavior {
    target_origin_id         = local.origin_id
    viewer_protocol_policy   = "redirect-to-https"
    allowed_methods          = local.methods.read
    cached_methods           = ["GET", "HEAD"]
    compress                 = true
    cache_policy_id          = aws_cloudfront_cache_policy.static.id
    origin_request_policy_id = aws_cloudfront_origin_request_policy.origin["viewer_location"].id
    lambda_function_association {
      event_type = "origin-request"
      lambda_arn = local.edge.origin_request
    }
    lambda_function_association {
      event_type = "viewer-response"
      lambda_arn = local.edge.viewer_response
    }
  }

  dynamic "ordered_cache_behavior" {
    for_each = local.behaviours
    iterator = b
    content {
      path_pattern             = b.value.path
      target_origin_id         = local.origin_id
      viewer_protocol_policy   = "https-only"
      allowed_methods          = local.methods[b.value.methods]
      cached_methods           = ["GET", "HEAD"]
      compress                 = !b.value.signed
      cache_policy_id          = b.value.cache
      origin_request_policy_id = b.value.origin_request
      trusted_key_groups       = b.value.signed && local.edge_signing ? [aws_cloudfront_key_group.media[0].id] : null
      lambda_function_association {
        event_type = "origin-request"
        lambda_arn = local.edge.origin_request
      }
      lambda_function_association {
        event_type = "viewer-response"
        lambda_arn = local.edge.viewer_response
      }
    }
  }

  # A refused signed link says something about that link, not about the object: never cache it
  # (by path, it would refuse the object to everyone for the error caching TTL).
  custom_error_response {
    error_code            = 403
    error_caching_min_ttl = 0
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  viewer_certificate {
    acm_certificate_arn      = var.acm_certificate_arn
    ssl_support_method       = "sni-only"
    minimum_protocol_version = "TLSv1.2_2021"
  }

  tags = var.tags
}
