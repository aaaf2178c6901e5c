// SPDX-License-Identifier: GPL-2.0
/* Test only: ccm_wire.c's encoders, built into ccm_impostor.ko. */
#include "../../ccm_wire.c"
