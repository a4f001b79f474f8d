#pragma once
#include <atomic>

#include "core/config.hpp"
#include "features/accounts/service.hpp"
#include "features/admin/service.hpp"
#include "features/artists/images.hpp"
#include "features/artists/service.hpp"
#include "features/buying/service.hpp"
#include "features/catalog/service.hpp"
#include "features/catalog/upload_service.hpp"
#include "features/earnings/service.hpp"
#include "features/flags/service.hpp"
#include "features/memberships/service.hpp"
#include "features/messaging/service.hpp"
#include "features/moderation/service.hpp"
#include "features/notifications/service.hpp"
#include "features/parties/service.hpp"
#include "features/posts/service.hpp"
#include "features/privacy/service.hpp"
#include "features/search/service.hpp"
#include "features/streaming/service.hpp"
#include "http/router.hpp"

namespace mc::app {

// Everything the routes need; one place lists every feature's routes (serve and the OpenAPI check
// both use it, so the document is compared with the routes the server really has).
struct RouteDeps {
  const Config& config;
  const std::atomic<bool>& draining;
  accounts::AccountsService& accounts;
  artists::ArtistsService& artists;
  catalog::CatalogService& catalog;
  catalog::UploadService& uploads;
  artists::ImageService& images;
  streaming::StreamingService& streaming;
  memberships::MembershipsService& memberships;
  earnings::EarningsService& earnings;
  payments::WebhookPipeline& webhooks;
  messaging::MessagingService& messaging;
  notifications::NotificationService& notifications;
  parties::PartyService& parties;
  posts::PostService& posts;
  search::SearchService& search;
  buying::BuyingService& buying;
  privacy::PrivacyService& privacy;
  admin::AdminService& admin;
  moderation::ModerationService& moderation;
  flags::FlagService& flags;
  bool api = true;  // false: only the ops routes (a node without the api role, app/roles.hpp)
};

void register_all_routes(http::Router& router, const RouteDeps& deps);

}  // namespace mc::app
