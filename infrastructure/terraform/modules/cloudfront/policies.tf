# Cache and origin request policies of the behaviours. HLS playlists change (a live party's grows),
# segments never do; API and WebSocket traffic is never cached.
data "aws_cloudfront_cache_policy" "disabled" {
  name = "Managed-CachingDisabled"
}

data "aws_cloudfront_origin_request_policy" "all_viewer" {
  name = "Managed-AllViewerExceptHostHeader"
}

resource "aws_cloudfront_cache_policy" "static" {
  name        = "${var.name}-static"
  comment     = "Web app: hashed /assets/ for a year, index.html revalidated (origin's Cache-Control)"
  min_ttl     = 0
  default_ttl = 60
  max_ttl     = 31536000
  parameters_in_cache_key_and_forwarded_to_origin {
    enable_accept_encoding_gzip   = true
    enable_accept_encoding_brotli = true
    cookies_config {
      cookie_behavior = "none"
    }
    headers_config {
      header_behavior = "none"
    }
    query_strings_config {
      query_string_behavior = "none"
    }
  }
}

# With a key (media_public_key_pem), CloudFront checks the signed URL at the edge and the cache key
# leaves the signature out, so every listener of a segment shares one cached copy. Without one, the
# servers sign and check their own (MEDIA_URL_SIGNING=hmac): the query string must reach the origin
# and is part of the cache key.
resource "aws_cloudfront_cache_policy" "hls_playlist" {
  name        = "${var.name}-hls-playlist"
  comment     = "HLS playlists: seconds"
  min_ttl     = 0
  default_ttl = 2
  max_ttl     = 5
  parameters_in_cache_key_and_forwarded_to_origin {
    cookies_config {
      cookie_behavior = "none"
    }
    headers_config {
      header_behavior = "none"
    }
    query_strings_config {
      query_string_behavior = local.edge_signing ? "none" : "all"
    }
  }
}

resource "aws_cloudfront_cache_policy" "hls_segment" {
  name        = "${var.name}-hls-segment"
  comment     = "HLS segments and other media: immutable"
  min_ttl     = 86400
  default_ttl = 31536000
  max_ttl     = 31536000
  parameters_in_cache_key_and_forwarded_to_origin {
    cookies_config {
      cookie_behavior = "none"
    }
    headers_config {
      header_behavior = "none"
    }
    query_strings_config {
      query_string_behavior = local.edge_signing ? "none" : "all"
    }
  }
}

# The origin-request function routes by the viewer's country: forward those headers.
resource "aws_cloudfront_origin_request_policy" "viewer_location" {
  name    = "${var.name}-viewer-location"
  comment = "Viewer country for origin-request.js"
  cookies_config {
    cookie_behavior = "none"
  }
  headers_config {
    header_behavior = "whitelist"
    headers {
      items = ["CloudFront-Viewer-Country", "CloudFront-Viewer-Country-Region"]
    }
  }
  query_strings_config {
    query_string_behavior = "none"
  }
}

locals {
  edge_signing = var.media_public_key_pem != null
}

resource "aws_cloudfront_public_key" "media" {
  count       = local.edge_signing ? 1 : 0
  name        = "${var.name}-media"
  comment     = "Verifies the server's signed /media/ URLs (CLOUDFRONT_PRIVATE_KEY)"
  encoded_key = var.media_public_key_pem
}

resource "aws_cloudfront_key_group" "media" {
  count   = local.edge_signing ? 1 : 0
  name    = "${var.name}-media"
  items   = [aws_cloudfront_public_key.media[0].id]
  comment = "Signers of gated media"
}

check "media_signing" {
  assert {
    condition     = local.edge_signing
    error_message = "media_public_key_pem is not set: /media/ is not verified at the edge, so the overlays must use MEDIA_URL_SIGNING=hmac (docs/infrastructure.md)."
  }
}
