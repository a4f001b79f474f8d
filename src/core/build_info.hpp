#pragma once

namespace mc {
const char* build_version();
const char* build_git_sha();
}  // namespace mc
