// iot-hub: the composition root. Everything lives in the library; see app/cli.h.
#include "app/cli.h"

int main(int argc, char** argv) { return iothub::app::RunCli(argc, argv); }
