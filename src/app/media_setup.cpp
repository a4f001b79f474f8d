#include "app/media_setup.hpp"

namespace mc::app {

std::unique_ptr<media::Storage> make_media_storage(const Config& c) {
  media::StorageOptions o;
  o.kind = media::parse_storage_kind(c.media_storage);
  o.fs_root = c.media_dir;
  o.s3.endpoint = c.s3_endpoint;
  o.s3.region = c.s3_region;
  o.s3.bucket = c.s3_bucket;
  o.s3.access_key_id = c.s3_access_key_id;
  o.s3.secret_access_key = c.s3_secret_access_key;
  o.s3.session_token = c.s3_session_token;
  o.s3.force_path_style = c.s3_force_path_style;
  return media::make_storage(o);
}

}  // namespace mc::app
