/* A packet-like parser over the context: Ethernet II with an optional
 * 802.1Q tag, IPv4 (variable header length, header checksum verified with a
 * bounded loop, fragments) or IPv6, then TCP, UDP or ICMP. The frame is
 * copied out of the context first (the verifier allows only constant offsets
 * into the context); variable offsets into the copy are masked. A hash map keyed
 * by the 5-tuple counts packets and bytes per flow.
 *
 * The frame is copied into a per-CPU array map rather than onto the stack:
 * together with the parser's spills a 128-byte stack copy exceeds the
 * 512-byte BPF stack (clang's own advice for large buffers). */
#include "common.h"

DECLARE_LICENSE();

#define PKT_MAX 128

enum verdict {
	V_PASS = 0,
	V_DROP = 1,
	V_SHORT = 2,    /* truncated frame or header */
	V_NOT_IP = 3,   /* neither IPv4 nor IPv6 (passed on) */
	V_BAD_HDR = 4,  /* bad version or header length */
	V_BAD_CSUM = 5, /* IPv4 header checksum mismatch */
};

struct flow_key {
	u32 saddr;
	u32 daddr;
	u16 sport;
	u16 dport;
	u8 proto;
	u8 ipver;
	u16 pad;
};

struct flow_stats {
	u64 packets;
	u64 bytes;
};

MAP_KV(flows, BPF_MAP_TYPE_HASH, struct flow_key, struct flow_stats, 16);

struct frame {
	u8 bytes[PKT_MAX];
};

MAP_KV(scratch, BPF_MAP_TYPE_PERCPU_ARRAY, u32, struct frame, 1);

struct parse_ctx {
	u8 pkt[PKT_MAX];  /* in: frame */
	u32 pkt_len;      /* in: valid bytes in pkt (clamped to 128) */
	u32 verdict;      /* out: enum verdict (also returned) */
	u16 eth_proto;    /* out: ethertype after the VLAN tag */
	u16 vlan_id;      /* out: VLAN id or 0 */
	u8 ip_ver;        /* out: 4, 6 or 0 */
	u8 ip_proto;      /* out: IPv4 protocol / IPv6 next header */
	u8 ttl;           /* out: TTL / hop limit */
	u8 ihl;           /* out: IPv4 header length in words */
	u32 saddr;        /* out: IPv4 source (host order) or folded IPv6 source */
	u32 daddr;        /* out: same for the destination */
	u16 sport;        /* out: L4 source port, ICMP type */
	u16 dport;        /* out: L4 destination port, ICMP code */
	u16 csum;         /* out: folded IPv4 header checksum (0xFFFF when valid) */
	u16 tcp_flags;    /* out */
	u16 l4_off;       /* out: offset of the L4 header */
	u16 payload_len;  /* out: L4 payload length per the headers */
	u16 frag;         /* out: IPv4 fragment offset field (flags masked off) */
	u16 pad;
	u64 flow_packets; /* out: packets counted for this flow so far (this run) */
};

/* Reads a byte of the copy at a variable offset. The mask is done in
 * assembly so that clang cannot decide it is redundant. */
static __always_inline u32 byte_at(const u8 *buf, u32 off)
{
	u64 o = off;
	asm volatile("%0 &= 127" : "+r"(o));
	return buf[o];
}

static __always_inline u32 be16_at(const u8 *buf, u32 off)
{
	return byte_at(buf, off) << 8 | byte_at(buf, off + 1);
}

static __always_inline u32 be32_at(const u8 *buf, u32 off)
{
	return be16_at(buf, off) << 16 | be16_at(buf, off + 2);
}

/* Sums the 16-bit words of an IPv4 header (ihl words of 32 bits) and folds
 * the carries: 0xFFFF for a correct checksum. */
static __noinline u32 ipv4_csum(const u8 *buf, u32 off, u32 ihl)
{
	u32 sum = 0;
	NO_UNROLL for (u32 i = 0; i < 30; i++) {
		if (i >= ihl * 2)
			break;
		sum += be16_at(buf, off + 2 * i);
	}
	sum = (sum & 0xFFFF) + (sum >> 16);
	sum = (sum & 0xFFFF) + (sum >> 16);
	return sum;
}

static __always_inline u32 fold6(const u8 *buf, u32 off)
{
	return be32_at(buf, off) ^ be32_at(buf, off + 4) ^ be32_at(buf, off + 8) ^ be32_at(buf, off + 12);
}

SEC("syscall")
int packet_parser(struct parse_ctx *c)
{
	u32 zero = 0;
	struct frame *fr = bpf_map_lookup_elem(&scratch, &zero);
	if (!fr)
		return FAIL(__LINE__);
	__builtin_memcpy(fr->bytes, c->pkt, PKT_MAX);
	const u8 *buf = fr->bytes;
	u32 len = c->pkt_len;
	if (len > PKT_MAX)
		len = PKT_MAX;

	u32 verdict = V_PASS;
	u32 proto = 0, vlan = 0, ver = 0, ipproto = 0, ttl = 0, ihl = 0;
	u32 saddr = 0, daddr = 0, sport = 0, dport = 0, csum = 0, flags = 0;
	u32 l4 = 0, payload = 0, frag = 0, l3len = 0;
	u64 flow_packets = 0;

	if (len < 14) {
		verdict = V_SHORT;
		goto out;
	}
	u32 off = 14;
	proto = be16_at(buf, 12);
	if (proto == 0x8100) {
		if (len < 18) {
			verdict = V_SHORT;
			goto out;
		}
		vlan = be16_at(buf, 14) & 0xFFF;
		proto = be16_at(buf, 16);
		off = 18;
	}

	if (proto == 0x0800) {
		if (len < off + 20) {
			verdict = V_SHORT;
			goto out;
		}
		u32 b0 = byte_at(buf, off);
		ver = b0 >> 4;
		ihl = b0 & 0xF;
		if (ver != 4 || ihl < 5) {
			verdict = V_BAD_HDR;
			goto out;
		}
		if (len < off + ihl * 4) {
			verdict = V_SHORT;
			goto out;
		}
		l3len = be16_at(buf, off + 2);
		frag = be16_at(buf, off + 6) & 0x1FFF;
		ttl = byte_at(buf, off + 8);
		ipproto = byte_at(buf, off + 9);
		saddr = be32_at(buf, off + 12);
		daddr = be32_at(buf, off + 16);
		csum = ipv4_csum(buf, off, ihl);
		if (csum != 0xFFFF) {
			verdict = V_BAD_CSUM;
			goto out;
		}
		if (l3len < ihl * 4) {
			verdict = V_BAD_HDR;
			goto out;
		}
		l4 = off + ihl * 4;
		l3len -= ihl * 4; /* now: L4 length */
	} else if (proto == 0x86DD) {
		if (len < off + 40) {
			verdict = V_SHORT;
			goto out;
		}
		ver = byte_at(buf, off) >> 4;
		if (ver != 6) {
			verdict = V_BAD_HDR;
			goto out;
		}
		l3len = be16_at(buf, off + 4);
		ipproto = byte_at(buf, off + 6);
		ttl = byte_at(buf, off + 7);
		saddr = fold6(buf, off + 8);
		daddr = fold6(buf, off + 24);
		l4 = off + 40;
	} else {
		verdict = V_NOT_IP;
		goto out;
	}

	if (frag == 0) {
		if (ipproto == 6) {
			if (len < l4 + 20) {
				verdict = V_SHORT;
				goto out;
			}
			sport = be16_at(buf, l4);
			dport = be16_at(buf, l4 + 2);
			u32 doff = byte_at(buf, l4 + 12) >> 4;
			flags = be16_at(buf, l4 + 12) & 0x1FF;
			payload = l3len > doff * 4 ? l3len - doff * 4 : 0;
		} else if (ipproto == 17) {
			if (len < l4 + 8) {
				verdict = V_SHORT;
				goto out;
			}
			sport = be16_at(buf, l4);
			dport = be16_at(buf, l4 + 2);
			u32 ulen = be16_at(buf, l4 + 4);
			payload = ulen > 8 ? ulen - 8 : 0;
		} else if (ipproto == 1 || ipproto == 58) {
			if (len < l4 + 4) {
				verdict = V_SHORT;
				goto out;
			}
			sport = byte_at(buf, l4);
			dport = byte_at(buf, l4 + 1);
			payload = l3len > 4 ? l3len - 4 : 0;
		}
	}

	if (ttl <= 1 || dport == 23 || (ipproto == 6 && (flags & 0x3) == 0x3))
		verdict = V_DROP; /* expired, telnet, SYN+FIN */

	struct flow_key key = {};
	key.saddr = saddr;
	key.daddr = daddr;
	key.sport = sport;
	key.dport = dport;
	key.proto = ipproto;
	key.ipver = ver;
	struct flow_stats *st = bpf_map_lookup_elem(&flows, &key);
	if (st) {
		__sync_fetch_and_add(&st->packets, 1);
		__sync_fetch_and_add(&st->bytes, len);
		flow_packets = st->packets;
	} else {
		struct flow_stats init = { .packets = 1, .bytes = len };
		bpf_map_update_elem(&flows, &key, &init, BPF_NOEXIST);
		flow_packets = 1;
	}

out:
	c->verdict = verdict;
	c->eth_proto = proto;
	c->vlan_id = vlan;
	c->ip_ver = ver;
	c->ip_proto = ipproto;
	c->ttl = ttl;
	c->ihl = ihl;
	c->saddr = saddr;
	c->daddr = daddr;
	c->sport = sport;
	c->dport = dport;
	c->csum = csum;
	c->tcp_flags = flags;
	c->l4_off = l4;
	c->payload_len = payload;
	c->frag = frag;
	c->flow_packets = flow_packets;
	return verdict;
}
