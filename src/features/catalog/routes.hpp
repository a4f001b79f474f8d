#pragma once
#include "core/config.hpp"
#include "features/catalog/service.hpp"
#include "features/catalog/upload_service.hpp"
#include "http/router.hpp"

namespace mc::catalog {

void register_routes(http::Router& router, CatalogService& service);
// POST /api/uploads/content (multipart) and the resumable /api/uploads sessions.
void register_upload_routes(http::Router& router, UploadService& uploads, const Config& config);

}  // namespace mc::catalog
