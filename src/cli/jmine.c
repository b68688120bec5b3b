/* SPDX-License-Identifier: MIT */
/* The jmine program: the command line of cli.h, every command run in this process. */
#include "cli.h"

int main(int argc, char **argv)
{
    return jm__cli_main(argc, argv, NULL, true);
}
