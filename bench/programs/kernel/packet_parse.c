/* Kernel peer of packet_parse: the same parser, every access checked
 * against the end of the input buffer (absolute offsets, since the
 * verifier does not relate one register's bounds to another's). */
#include "kernel.h"

#define SIZE 131072

INPUT(SIZE);

#define ETH_P_IP 0x0008
#define ETH_P_IPV6 0xdd86
#define ETH_P_8021Q 0x0081
#define ETH_P_8021AD 0xa888
#define IP_FRAG_OFFSET 0xff1f
#define PROTO_TCP 6
#define PROTO_UDP 17

struct eth {
	u8 dst[6];
	u8 src[6];
	u16 proto;
};

struct vlan {
	u16 tci;
	u16 proto;
};

struct ipv4 {
	u8 ver_ihl;
	u8 tos;
	u16 len;
	u16 id;
	u16 frag;
	u8 ttl;
	u8 proto;
	u16 csum;
	u32 saddr;
	u32 daddr;
};

struct ipv6 {
	u32 ver_tc_flow;
	u16 plen;
	u8 nexthdr;
	u8 hop;
	u32 saddr[4];
	u32 daddr[4];
};

/* AT(type, offset): a pointer to a type at an absolute offset of the
 * input, or return 0 from the parser when it would not fit. */
#define AT(type, at)                                              \
	({                                                        \
		u64 __at = (at);                                  \
		if (__at > SIZE - sizeof(type))                   \
			return 0;                                 \
		(const type *)(input + __at);                     \
	})

static __always_inline u32 tuple_hash(u32 saddr, u32 daddr, u32 ports, u32 proto)
{
	u32 h = 0x811c9dc5;
	h = (h ^ saddr) * 0x01000193;
	h = (h ^ daddr) * 0x01000193;
	h = (h ^ ports) * 0x01000193;
	h = (h ^ proto) * 0x01000193;
	return h ^ (h >> 16);
}

/* parse the frame of len bytes at offset base of the input */
static __always_inline u32 parse(u64 base, u32 len)
{
	if (len < sizeof(struct eth))
		return 0;
	u16 proto = AT(struct eth, base)->proto;
	u32 off = sizeof(struct eth);
	for (int tags = 0; tags < 2; tags++) {
		if (proto != ETH_P_8021Q && proto != ETH_P_8021AD)
			break;
		if (len < off + sizeof(struct vlan))
			return 0;
		proto = AT(struct vlan, base + off)->proto;
		off += sizeof(struct vlan);
	}

	u32 saddr, daddr, l4proto, l4, frag = 0;
	if (proto == ETH_P_IP) {
		if (len < off + sizeof(struct ipv4))
			return 0;
		const struct ipv4 *ip = AT(struct ipv4, base + off);
		if ((ip->ver_ihl >> 4) != 4)
			return 0;
		u32 ihl = (ip->ver_ihl & 0xf) * 4;
		if (ihl < sizeof(struct ipv4) || len < off + ihl)
			return 0;
		saddr = ip->saddr;
		daddr = ip->daddr;
		l4proto = ip->proto;
		frag = ip->frag & IP_FRAG_OFFSET;
		l4 = off + ihl;
	} else if (proto == ETH_P_IPV6) {
		if (len < off + sizeof(struct ipv6))
			return 0;
		const struct ipv6 *ip6 = AT(struct ipv6, base + off);
		if ((ip6->ver_tc_flow & 0xf0) != 0x60)
			return 0;
		saddr = ip6->saddr[0] ^ ip6->saddr[1] ^ ip6->saddr[2] ^ ip6->saddr[3];
		daddr = ip6->daddr[0] ^ ip6->daddr[1] ^ ip6->daddr[2] ^ ip6->daddr[3];
		l4proto = ip6->nexthdr;
		l4 = off + sizeof(struct ipv6);
	} else {
		return 0;
	}

	u32 ports = 0;
	if (!frag && ((l4proto == PROTO_TCP && len >= l4 + 20) ||
		      (l4proto == PROTO_UDP && len >= l4 + 8)))
		ports = *AT(u32, base + l4);
	return tuple_hash(saddr, daddr, ports, l4proto);
}

static __always_inline u32 parse_at(u64 off)
{
	u32 len = *AT(u16, off);
	return parse(off + 2, len);
}

SEC("xdp")
int bpf_main(struct xdp_md *ctx)
{
	u32 count = *(const u32 *)input;
	u64 off = 8;
	u32 sum = 0;
	for (u32 i = OPAQUE(0); i < count; i++) {
		if (off > SIZE - 2)
			break;
		u32 len = *(const u16 *)(input + off);
		sum += parse_at(off);
		off = (off + 2 + len + 3) & ~3ull;
		cond_break;
	}
	return sum;
}
