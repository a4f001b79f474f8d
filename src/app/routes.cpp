#include "app/routes.hpp"

#include "features/accounts/routes.hpp"
#include "features/admin/routes.hpp"
#include "features/artists/routes.hpp"
#include "features/buying/routes.hpp"
#include "features/catalog/cover.hpp"
#include "features/catalog/routes.hpp"
#include "features/earnings/routes.hpp"
#include "features/flags/routes.hpp"
#include "features/memberships/routes.hpp"
#include "features/messaging/routes.hpp"
#include "features/moderation/routes.hpp"
#include "features/notifications/routes.hpp"
#include "features/parties/routes.hpp"
#include "features/posts/routes.hpp"
#include "features/privacy/routes.hpp"
#include "features/search/routes.hpp"
#include "features/streaming/routes.hpp"
#include "ops/routes.hpp"

namespace mc::app {

void register_all_routes(http::Router& router, const RouteDeps& deps) {
  ops::register_routes(router, deps.config, deps.draining);
  if (!deps.api) return;
  accounts::register_routes(router, deps.accounts);
  artists::register_routes(router, deps.artists);
  catalog::register_routes(router, deps.catalog);
  catalog::register_upload_routes(router, deps.uploads, deps.config);
  catalog::register_cover_routes(router, deps.uploads.storage());
  catalog::register_delete_routes(router, deps.uploads.storage());
  artists::register_image_routes(router, deps.images);
  streaming::register_routes(router, deps.streaming);
  memberships::register_routes(router, deps.memberships, deps.webhooks);
  earnings::register_routes(router, deps.earnings);
  messaging::register_routes(router, deps.messaging);
  notifications::register_routes(router, deps.notifications);
  parties::register_routes(router, deps.parties);
  posts::register_routes(router, deps.posts);
  search::register_routes(router, deps.search);
  buying::register_routes(router, deps.buying);
  privacy::register_routes(router, deps.privacy);
  admin::register_routes(router, deps.admin);
  moderation::register_routes(router, deps.moderation);
  flags::register_routes(router, deps.flags);
}

}  // namespace mc::app
