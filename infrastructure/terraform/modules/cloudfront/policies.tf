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

# Signed media (docs/streaming.md, "Signed media links"). The origin checks its own HMAC query
# (r, e, s) on every request it serves, so the signed behaviours forward the whole query string to
# it (signed_media below) whatever the cache key. With a key (media_public_key_pem) CloudFront also
# checks a custom policy at the edge, and each policy is as narrow as what it opens: a playlist or
# a download link exactly its URL, a playlist's URIs one rung's directory. So segments can be cached
# by path alone and shared by every listener of that rung. Playlists are written per grant (their
# URIs carry the grant's signatures): the query string is part of their cache key, and the origin
# sends them private anyway. Without a key, the origin's check is the only one: the query string is
# part of every cache key.
locals {
  media_cache = {
    hls_playlist = { comment = "HLS playlists: per grant, seconds", min_ttl = 0, default_ttl = 2, max_ttl = 5, query = "all" }
    hls_segment  = { comment = "HLS segments and signed files: immutable", min_ttl = 86400, default_ttl = 31536000, max_ttl = 31536000, query = local.edge_signing ? "none" : "all" }
    public_media = { comment = "Profile images and artwork: a new picture gets a new key, so immutable", min_ttl = 86400, default_ttl = 31536000, max_ttl = 31536000, query = "none" }
  }
}

resource "aws_cloudfront_cache_policy" "media" {
  for_each    = local.media_cache
  name        = "${var.name}-${replace(each.key, "_", "-")}"
  comment     = each.value.comment
  min_ttl     = each.value.min_ttl
  default_ttl = each.value.default_ttl
  max_ttl     = each.value.max_ttl
  parameters_in_cache_key_and_forwarded_to_origin {
    cookies_config {
      cookie_behavior = "none"
    }
    headers_config {
      header_behavior = "none"
    }
    query_strings_config {
      query_string_behavior = each.value.query
    }
  }
}

# The origin-request function routes by the viewer's country: every behaviour forwards those
# headers. The signed media behaviours also forward the query string: the origin's HMAC check reads
# it on a cache miss, outside the cache key of segments.
locals {
  origin_requests = {
    viewer_location = { comment = "Viewer country for origin-request.js", query = "none" }
    signed_media    = { comment = "Viewer country for origin-request.js, and the signed query string for the origin's check", query = "all" }
  }
}

resource "aws_cloudfront_origin_request_policy" "origin" {
  for_each = local.origin_requests
  name     = "${var.name}-${replace(each.key, "_", "-")}"
  comment  = each.value.comment
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
    query_string_behavior = each.value.query
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
