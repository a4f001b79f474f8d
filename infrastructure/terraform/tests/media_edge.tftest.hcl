# The CloudFront module's signed media (docs/streaming.md, "Signed media links"): what the edge
# checks, what reaches the origin's own check and what is shared in the cache. Mock providers.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  name                 = "musicconnect-production"
  domain_name          = "musicconnect.com"
  acm_certificate_arn  = "arn:aws:acm:us-east-1:123456789012:certificate/test"
  web_acl_arn          = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/test/1"
  media_public_key_pem = "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAtest\n-----END PUBLIC KEY-----\n"
}

run "signed_media_at_the_edge" {
  command = apply
  module {
    source = "./modules/cloudfront"
  }

  assert {
    condition = [for b in aws_cloudfront_distribution.this.ordered_cache_behavior : b.path_pattern] == [
      "/api/*", "/ws", "/health", "/media/images/*", "/media/artwork/*", "/media/*.m3u8", "/media/*",
    ]
    error_message = "Public pictures must come before the signed /media/ behaviours (CloudFront takes the first match)."
  }
  assert {
    condition = alltrue([for b in aws_cloudfront_distribution.this.ordered_cache_behavior :
    length(coalesce(b.trusted_key_groups, [])) == 0 if startswith(b.path_pattern, "/media/images/") || startswith(b.path_pattern, "/media/artwork/")])
    error_message = "Profile images and artwork are public: no key group on their behaviours."
  }
  assert {
    condition = alltrue([for b in aws_cloudfront_distribution.this.ordered_cache_behavior :
      tolist(b.trusted_key_groups) == tolist([aws_cloudfront_key_group.media[0].id]) &&
    b.origin_request_policy_id == aws_cloudfront_origin_request_policy.origin["signed_media"].id if contains(["/media/*.m3u8", "/media/*"], b.path_pattern)])
    error_message = "Signed media is checked at the edge and its query string reaches the origin's HMAC check."
  }
  assert {
    condition     = aws_cloudfront_origin_request_policy.origin["signed_media"].query_strings_config[0].query_string_behavior == "all"
    error_message = "The origin checks r, e and s itself: the signed behaviours must forward the query string."
  }
  assert {
    condition     = aws_cloudfront_cache_policy.media["hls_segment"].parameters_in_cache_key_and_forwarded_to_origin[0].query_strings_config[0].query_string_behavior == "none"
    error_message = "With edge signing, segments are cached by path and shared by every listener of a rung."
  }
  assert {
    condition     = aws_cloudfront_cache_policy.media["hls_playlist"].parameters_in_cache_key_and_forwarded_to_origin[0].query_strings_config[0].query_string_behavior == "all"
    error_message = "Playlists are written per grant: their query string is part of the cache key."
  }
}

run "without_an_edge_key_the_origin_check_is_the_only_one" {
  command = apply
  module {
    source = "./modules/cloudfront"
  }
  variables {
    media_public_key_pem = null
  }
  # The module warns that the overlays must then use MEDIA_URL_SIGNING=hmac.
  expect_failures = [check.media_signing]

  assert {
    condition     = alltrue([for b in aws_cloudfront_distribution.this.ordered_cache_behavior : length(coalesce(b.trusted_key_groups, [])) == 0])
    error_message = "Without media_public_key_pem nothing is checked at the edge."
  }
  assert {
    condition     = aws_cloudfront_cache_policy.media["hls_segment"].parameters_in_cache_key_and_forwarded_to_origin[0].query_strings_config[0].query_string_behavior == "all"
    error_message = "Without edge signing, every signed URL is its own cache entry (the origin checks each)."
  }
}
