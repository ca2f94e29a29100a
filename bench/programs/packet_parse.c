/* packet_parse: parse a buffer of Ethernet frames (up to two 802.1Q/802.1ad
 * tags, IPv4 with options and fragments, IPv6, TCP, UDP) and fold a hash
 * of each frame's 5-tuple.
 *
 * Input (128 KiB, little-endian):
 *   0  u32 count            number of records
 *   4  u32 bytes            bytes of records after the header (informational)
 *   8  records: u16 len, then len frame bytes; the next record starts at
 *      the next multiple of 4, so every frame starts at 2 mod 4 and its
 *      IP header is 4-byte aligned, as NET_IP_ALIGN arranges in the kernel.
 *
 * Per frame: an IPv4 or IPv6 packet gives hash(saddr, daddr, ports, proto)
 * (fields read as raw little-endian words of the network bytes; IPv6
 * addresses are the xor of their four words; ports is the raw word of the
 * source and destination ports, 0 for protocols other than TCP and UDP,
 * for non-first fragments and when the frame ends inside the TCP/UDP
 * header); anything else (ARP, runts, bad versions, truncated IP headers)
 * gives 0. Result: the sum of the hashes modulo 2^32. */
typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;

/* EtherTypes and fragment bits as little-endian loads of network bytes */
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

static u32 tuple_hash(u32 saddr, u32 daddr, u32 ports, u32 proto)
{
	u32 h = 0x811c9dc5;
	h = (h ^ saddr) * 0x01000193;
	h = (h ^ daddr) * 0x01000193;
	h = (h ^ ports) * 0x01000193;
	h = (h ^ proto) * 0x01000193;
	return h ^ (h >> 16);
}

static u32 parse(const u8 *p, u32 len)
{
	if (len < sizeof(struct eth))
		return 0;
	u16 proto = ((const struct eth *)p)->proto;
	u32 off = sizeof(struct eth);
	for (int tags = 0; tags < 2; tags++) {
		if (proto != ETH_P_8021Q && proto != ETH_P_8021AD)
			break;
		if (len < off + sizeof(struct vlan))
			return 0;
		proto = ((const struct vlan *)(p + off))->proto;
		off += sizeof(struct vlan);
	}

	u32 saddr, daddr, l4proto, l4, frag = 0;
	if (proto == ETH_P_IP) {
		if (len < off + sizeof(struct ipv4))
			return 0;
		const struct ipv4 *ip = (const void *)(p + off);
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
		const struct ipv6 *ip6 = (const void *)(p + off);
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
		ports = *(const u32 *)(p + l4);
	return tuple_hash(saddr, daddr, ports, l4proto);
}

u64 bpf_main(void *mem)
{
	const u8 *base = mem;
	u32 count = *(const u32 *)base;
	u32 off = 8;
	u32 sum = 0;
	for (u32 i = 0; i < count; i++) {
		u32 len = *(const u16 *)(base + off);
		sum += parse(base + off + 2, len);
		off = (off + 2 + len + 3) & ~3u;
	}
	return sum;
}
