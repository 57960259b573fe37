// SPDX-License-Identifier: GPL-2.0
/*
 * The embedded guest images (guest_images.S) as struct axvm_image, with a
 * build-time check that each was linked where guest_abi.h says it loads.
 */
#include "axvm_util.h"
#include "guest_syms.h"

extern const unsigned char guest16_image[], guest16_image_end[];
extern const unsigned char guest32_image[], guest32_image_end[];
extern const unsigned char guest64_image[], guest64_image_end[];

_Static_assert(G16_IMAGE_START == GUEST16_LOAD_GPA, "guest16 linked at the wrong address");
_Static_assert(G32_IMAGE_START == GUEST_LOAD_GPA, "guest32 linked at the wrong address");
_Static_assert(G64_IMAGE_START == GUEST_LOAD_GPA, "guest64 linked at the wrong address");
_Static_assert(G16_IMAGE_END < GPA_STACK16_TOP - 0x1000, "guest16 runs into its stack");

const struct axvm_image axvm_guest16 = {
	"guest16", guest16_image, guest16_image_end, GUEST16_LOAD_GPA,
};
const struct axvm_image axvm_guest32 = {
	"guest32", guest32_image, guest32_image_end, GUEST_LOAD_GPA,
};
const struct axvm_image axvm_guest64 = {
	"guest64", guest64_image, guest64_image_end, GUEST_LOAD_GPA,
};
