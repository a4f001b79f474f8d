#pragma once

namespace mc::app {

int serve(int argc, char** argv);
int migrate(int argc, char** argv);
int seed_demo(int argc, char** argv);
int worker(int argc, char** argv);
int ops(int argc, char** argv);
int admin(int argc, char** argv);

}  // namespace mc::app
