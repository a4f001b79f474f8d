#pragma once
#include <memory>

#include "core/config.hpp"
#include "media/storage.hpp"

namespace mc::app {

// The configured media storage (MEDIA_STORAGE and its variables).
std::unique_ptr<media::Storage> make_media_storage(const Config& config);

}  // namespace mc::app
