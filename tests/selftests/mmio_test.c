// SPDX-License-Identifier: GPL-2.0
/*
 * MMIO decoding: a long-mode guest loads from and stores to addresses
 * outside guest RAM; each access must reach userspace as MmioRead or
 * MmioWrite with the right address, width, register, reg_width and
 * sign extension, and the value userspace supplies must land in the
 * register exactly as the CPU would have loaded it.
 */
#include <string.h>
#include "kselftest_harness.h"
#include "lib/axvm_util.h"
#include "lib/axvm_test.h"

#define CODE_GPA	0x300000ull
#define MMIO		0x30000000ull

/* Hand-assembled (64-bit mode), one MMIO access each, then HLT. */
static const unsigned char code[] = {
	0x8b, 0x04, 0x25, 0x00, 0x00, 0x00, 0x30,	/* mov eax,[MMIO] */
	0x48, 0x0f, 0xbe, 0x1c, 0x25, 0x10, 0x00, 0x00, 0x30, /* movsx rbx,byte [MMIO+0x10] */
	0x0f, 0xb7, 0x0c, 0x25, 0x20, 0x00, 0x00, 0x30, /* movzx ecx,word [MMIO+0x20] */
	0x4c, 0x89, 0x0c, 0x25, 0x30, 0x00, 0x00, 0x30, /* mov [MMIO+0x30],r9 */
	0xc6, 0x04, 0x25, 0x40, 0x00, 0x00, 0x30, 0x5a, /* mov byte [MMIO+0x40],0x5a */
	0x8a, 0x34, 0x25, 0x50, 0x00, 0x00, 0x30,	/* mov dh,[MMIO+0x50] */
	0xf4,						/* hlt */
};

static void expect_read(struct __test_metadata *_metadata, struct axvm_vcpu *v,
			uint64_t addr, uint8_t width, uint8_t reg,
			uint8_t reg_width, uint8_t sext, uint64_t answer)
{
	struct axvm_exit *e = &v->run->exit;

	ASSERT_EQ(AXVM_EXIT_MMIO_READ, axvm_vcpu_run(v)) axvm_dump_exit(stderr, e);
	EXPECT_EQ(addr, e->u.mmio_read.addr);
	EXPECT_EQ(width, e->u.mmio_read.width);
	EXPECT_EQ(reg, e->u.mmio_read.reg);
	EXPECT_EQ(reg_width, e->u.mmio_read.reg_width);
	EXPECT_EQ(sext, e->u.mmio_read.signed_ext);
	EXPECT_NE(0, e->inst_bytes_len);
	e->u.mmio_read.data = answer;
	v->run->response = AXVM_RESP_DATA;
}

TEST(mmio_read_write_decode)
{
	struct axvm_vm *vm;
	struct axvm_vcpu *v;
	struct axvm_regs r;
	struct axvm_exit *e;
	int ret;

	AXVM_REQUIRE();
	vm = axvm_vm_create(AXVM_DEFAULT_RAM);
	memcpy(axvm_gpa2hva(vm, CODE_GPA, sizeof(code)), code, sizeof(code));
	v = axvm_vcpu_add(vm, 0);
	axvm_vcpu_setup_long(v, CODE_GPA);
	axvm_vcpu_get_regs(v, &r);
	r.rax = 0xffffffffffffffffull;	/* a 32-bit load must clear 63:32 */
	r.rbx = 0x1111111111111111ull;
	r.rcx = 0x2222222222222222ull;
	r.rdx = 0x3333333333333333ull;
	r.r9 = 0x0123456789abcdefull;
	axvm_vcpu_set_regs(v, &r);
	e = &v->run->exit;

	expect_read(_metadata, v, MMIO, 4, AXVM_REG_RAX, 4, 0, 0x89abcdef);
	/* axvm_vcpu_run() would reset the response: step by hand. */
	ret = __axvm_vcpu_run(v);
	ASSERT_EQ(0, ret);
	ASSERT_EQ(AXVM_EXIT_MMIO_READ, e->kind);
	EXPECT_EQ(MMIO + 0x10, e->u.mmio_read.addr);
	EXPECT_EQ(1, e->u.mmio_read.width);
	EXPECT_EQ(AXVM_REG_RBX, e->u.mmio_read.reg);
	EXPECT_EQ(8, e->u.mmio_read.reg_width);
	EXPECT_EQ(1, e->u.mmio_read.signed_ext);
	e->u.mmio_read.data = 0x80;
	v->run->response = AXVM_RESP_DATA;

	ret = __axvm_vcpu_run(v);
	ASSERT_EQ(0, ret);
	ASSERT_EQ(AXVM_EXIT_MMIO_READ, e->kind);
	EXPECT_EQ(MMIO + 0x20, e->u.mmio_read.addr);
	EXPECT_EQ(2, e->u.mmio_read.width);
	EXPECT_EQ(AXVM_REG_RCX, e->u.mmio_read.reg);
	EXPECT_EQ(4, e->u.mmio_read.reg_width);
	EXPECT_EQ(0, e->u.mmio_read.signed_ext);
	e->u.mmio_read.data = 0xbeef;
	v->run->response = AXVM_RESP_DATA;

	ret = __axvm_vcpu_run(v);
	ASSERT_EQ(0, ret);
	ASSERT_EQ(AXVM_EXIT_MMIO_WRITE, e->kind) axvm_dump_exit(stderr, e);
	EXPECT_EQ(MMIO + 0x30, e->u.mmio_write.addr);
	EXPECT_EQ(8, e->u.mmio_write.width);
	EXPECT_EQ(0x0123456789abcdefull, e->u.mmio_write.data);
	v->run->response = AXVM_RESP_NONE;

	ret = __axvm_vcpu_run(v);
	ASSERT_EQ(0, ret);
	ASSERT_EQ(AXVM_EXIT_MMIO_WRITE, e->kind);
	EXPECT_EQ(MMIO + 0x40, e->u.mmio_write.addr);
	EXPECT_EQ(1, e->u.mmio_write.width);
	EXPECT_EQ(0x5a, e->u.mmio_write.data);
	v->run->response = AXVM_RESP_NONE;

	ret = __axvm_vcpu_run(v);
	ASSERT_EQ(0, ret);
	ASSERT_EQ(AXVM_EXIT_MMIO_READ, e->kind);
	EXPECT_EQ(MMIO + 0x50, e->u.mmio_read.addr);
	EXPECT_EQ(1, e->u.mmio_read.width);
	e->u.mmio_read.data = 0x77;
	v->run->response = AXVM_RESP_DATA;

	ret = __axvm_vcpu_run(v);
	ASSERT_EQ(0, ret);
	ASSERT_EQ(AXVM_EXIT_HALT, e->kind) axvm_dump_exit(stderr, e);

	axvm_vcpu_get_regs(v, &r);
	EXPECT_EQ(0x89abcdefull, r.rax);		/* zero-extended */
	EXPECT_EQ(0xffffffffffffff80ull, r.rbx);	/* sign-extended byte */
	EXPECT_EQ(0xbeefull, r.rcx);			/* movzx r32: 63:16 clear */
	EXPECT_EQ(0x3333333333337733ull, r.rdx);	/* DH only */
	EXPECT_EQ(CODE_GPA + sizeof(code), r.rip);
	axvm_vm_free(vm);
}

TEST(mmio_read_needs_an_answer)
{
	struct axvm_vm *vm;
	struct axvm_vcpu *v;

	AXVM_REQUIRE();
	vm = axvm_vm_create(AXVM_DEFAULT_RAM);
	memcpy(axvm_gpa2hva(vm, CODE_GPA, sizeof(code)), code, sizeof(code));
	v = axvm_vcpu_add(vm, 0);
	axvm_vcpu_setup_long(v, CODE_GPA);
	ASSERT_EQ(AXVM_EXIT_MMIO_READ, axvm_vcpu_run(v));
	/* Running on without data for a read is a userspace bug: EINVAL. */
	v->run->response = AXVM_RESP_NONE;
	EXPECT_ERRNO(EINVAL, __axvm_vcpu_run(v));
	axvm_vm_free(vm);
}

/* REP OUTSB of "hello" to 0x3f8, then REP INSW of 3 words from 0x60. */
static const unsigned char string_code[] = {
	0xbe, 0x00, 0x01, 0x30, 0x00,		/* mov esi,0x300100 */
	0xb9, 0x05, 0x00, 0x00, 0x00,		/* mov ecx,5 */
	0x66, 0xba, 0xf8, 0x03,			/* mov dx,0x3f8 */
	0xf3, 0x6e,				/* rep outsb */
	0xbf, 0x00, 0x02, 0x30, 0x00,		/* mov edi,0x300200 */
	0xb9, 0x03, 0x00, 0x00, 0x00,		/* mov ecx,3 */
	0x66, 0xba, 0x60, 0x00,			/* mov dx,0x60 */
	0xf3, 0x66, 0x6d,			/* rep insw */
	0xf4,					/* hlt */
};

TEST(rep_outs_ins)
{
	const char *msg = "hello";
	struct axvm_vm *vm;
	struct axvm_vcpu *v;
	struct axvm_regs r;
	struct axvm_exit *e;
	unsigned char *buf;
	int i;

	AXVM_REQUIRE();
	vm = axvm_vm_create(AXVM_DEFAULT_RAM);
	memcpy(axvm_gpa2hva(vm, CODE_GPA, sizeof(string_code)), string_code,
	       sizeof(string_code));
	memcpy(axvm_gpa2hva(vm, CODE_GPA + 0x100, 5), msg, 5);
	v = axvm_vcpu_add(vm, 0);
	axvm_vcpu_setup_long(v, CODE_GPA);
	e = &v->run->exit;
	for (i = 0; i < 5; i++) {
		ASSERT_EQ(AXVM_EXIT_IO_WRITE, axvm_vcpu_run(v)) axvm_dump_exit(stderr, e);
		EXPECT_EQ(0x3f8, e->u.io_write.port);
		EXPECT_EQ(1, e->u.io_write.width);
		EXPECT_EQ((unsigned char)msg[i], e->u.io_write.data);
	}
	v->run->response = AXVM_RESP_NONE;
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, __axvm_vcpu_run(v));
		ASSERT_EQ(AXVM_EXIT_IO_READ, e->kind) axvm_dump_exit(stderr, e);
		EXPECT_EQ(0x60, e->u.io_read.port);
		EXPECT_EQ(2, e->u.io_read.width);
		e->u.io_read.data = 0x1111 * (i + 1);
		v->run->response = AXVM_RESP_DATA;
	}
	ASSERT_EQ(0, __axvm_vcpu_run(v));
	ASSERT_EQ(AXVM_EXIT_HALT, e->kind) axvm_dump_exit(stderr, e);
	buf = axvm_gpa2hva(vm, CODE_GPA + 0x200, 6);
	EXPECT_EQ(0x11, buf[0]);
	EXPECT_EQ(0x11, buf[1]);
	EXPECT_EQ(0x22, buf[2]);
	EXPECT_EQ(0x33, buf[5]);
	axvm_vcpu_get_regs(v, &r);
	EXPECT_EQ(CODE_GPA + 0x105, r.rsi);
	EXPECT_EQ(CODE_GPA + 0x206, r.rdi);
	EXPECT_EQ(0, r.rcx);
	EXPECT_EQ(CODE_GPA + sizeof(string_code), r.rip);
	axvm_vm_free(vm);
}

/* Port 0x80 is served in the kernel: userspace sees only the report. */
static const unsigned char post_code[] = {
	0xb0, 0x5a,		/* mov al,0x5a */
	0xe6, 0x80,		/* out 0x80,al */
	0xb0, 0x00,		/* mov al,0 */
	0xe4, 0x80,		/* in al,0x80 */
	0xe6, 0x10,		/* out 0x10,al */
	0xf4,			/* hlt */
};

TEST(in_kernel_post_port)
{
	struct axvm_vm *vm;
	struct axvm_vcpu *v;
	struct axvm_exit *e;

	AXVM_REQUIRE();
	vm = axvm_vm_create(AXVM_DEFAULT_RAM);
	memcpy(axvm_gpa2hva(vm, CODE_GPA, sizeof(post_code)), post_code,
	       sizeof(post_code));
	v = axvm_vcpu_add(vm, 0);
	axvm_vcpu_setup_long(v, CODE_GPA);
	e = &v->run->exit;
	ASSERT_EQ(AXVM_EXIT_IO_WRITE, axvm_vcpu_run(v)) axvm_dump_exit(stderr, e);
	EXPECT_EQ(0x10, e->u.io_write.port);
	EXPECT_EQ(0x5a, e->u.io_write.data);
	ASSERT_EQ(AXVM_EXIT_HALT, axvm_vcpu_run(v)) axvm_dump_exit(stderr, e);
	axvm_vm_free(vm);
}

/*
 * REP STOS and REP MOVS with one operand in MMIO: one record per element,
 * registers stepped as the CPU would (DF too), RAM side read or written.
 */
static const unsigned char mmio_string_code[] = {
	0xbf, 0x00, 0x00, 0x00, 0x30,		/* mov edi,MMIO */
	0xb9, 0x04, 0x00, 0x00, 0x00,		/* mov ecx,4 */
	0xb8, 0x44, 0x33, 0x22, 0x11,		/* mov eax,0x11223344 */
	0xf3, 0xab,				/* rep stosd */
	0xbe, 0x00, 0x00, 0x31, 0x00,		/* mov esi,0x310000 */
	0xbf, 0x00, 0x01, 0x00, 0x30,		/* mov edi,MMIO+0x100 */
	0xb9, 0x03, 0x00, 0x00, 0x00,		/* mov ecx,3 */
	0xf3, 0x66, 0xa5,			/* rep movsw */
	0xbe, 0x00, 0x02, 0x00, 0x30,		/* mov esi,MMIO+0x200 */
	0xbf, 0x00, 0x00, 0x32, 0x00,		/* mov edi,0x320000 */
	0xb9, 0x02, 0x00, 0x00, 0x00,		/* mov ecx,2 */
	0xf3, 0xa4,				/* rep movsb */
	0xfd,					/* std */
	0xbf, 0x00, 0x03, 0x00, 0x30,		/* mov edi,MMIO+0x300 */
	0xaa,					/* stosb */
	0xfc,					/* cld */
	0xf4,					/* hlt */
};

static void next_exit(struct __test_metadata *_metadata, struct axvm_vcpu *v,
		      uint32_t kind, uint64_t addr, uint8_t width)
{
	struct axvm_exit *e = &v->run->exit;

	ASSERT_EQ(0, __axvm_vcpu_run(v));
	ASSERT_EQ(kind, e->kind) axvm_dump_exit(stderr, e);
	v->run->response = AXVM_RESP_NONE;
	if (kind == AXVM_EXIT_MMIO_WRITE) {
		EXPECT_EQ(addr, e->u.mmio_write.addr);
		EXPECT_EQ(width, e->u.mmio_write.width);
	} else {
		EXPECT_EQ(addr, e->u.mmio_read.addr);
		EXPECT_EQ(width, e->u.mmio_read.width);
	}
}

TEST(mmio_string_instructions)
{
	static const uint16_t words[] = { 0xaaaa, 0xbbbb, 0xcccc };
	struct axvm_exit *e;
	struct axvm_vm *vm;
	struct axvm_vcpu *v;
	struct axvm_regs r;
	uint8_t *dst;
	int i;

	AXVM_REQUIRE();
	vm = axvm_vm_create(AXVM_DEFAULT_RAM);
	memcpy(axvm_gpa2hva(vm, CODE_GPA, sizeof(mmio_string_code)), mmio_string_code,
	       sizeof(mmio_string_code));
	memcpy(axvm_gpa2hva(vm, 0x310000, sizeof(words)), words, sizeof(words));
	dst = axvm_gpa2hva(vm, 0x320000, 2);
	v = axvm_vcpu_add(vm, 0);
	axvm_vcpu_setup_long(v, CODE_GPA);
	e = &v->run->exit;

	for (i = 0; i < 4; i++) {
		next_exit(_metadata, v, AXVM_EXIT_MMIO_WRITE, MMIO + 4 * i, 4);
		EXPECT_EQ(0x11223344, e->u.mmio_write.data);
	}
	for (i = 0; i < 3; i++) {
		next_exit(_metadata, v, AXVM_EXIT_MMIO_WRITE, MMIO + 0x100 + 2 * i, 2);
		EXPECT_EQ(words[i], e->u.mmio_write.data);
	}
	for (i = 0; i < 2; i++) {
		next_exit(_metadata, v, AXVM_EXIT_MMIO_READ, MMIO + 0x200 + i, 1);
		EXPECT_EQ(0xff, e->u.mmio_read.reg);	/* no register: memory */
		e->u.mmio_read.data = i ? 0xa5 : 0x5a;
		v->run->response = AXVM_RESP_DATA;
	}
	next_exit(_metadata, v, AXVM_EXIT_MMIO_WRITE, MMIO + 0x300, 1);
	EXPECT_EQ(0x44, e->u.mmio_write.data);
	ASSERT_EQ(0, __axvm_vcpu_run(v));
	ASSERT_EXIT_KIND(v, AXVM_EXIT_HALT);
	EXPECT_EQ(0x5a, dst[0]);
	EXPECT_EQ(0xa5, dst[1]);
	axvm_vcpu_get_regs(v, &r);
	EXPECT_EQ(0, r.rcx);
	EXPECT_EQ(0x30000202, r.rsi);
	EXPECT_EQ(0x300002ff, r.rdi);	/* STOSB with DF=1 went down */
	EXPECT_EQ(0, r.rflags & (1 << 10));
	axvm_vm_free(vm);
}

TEST_HARNESS_MAIN
