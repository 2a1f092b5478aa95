-- hep3.lua — a HEPv3 dissector for tshark, a test asset: Debian 12's
-- Wireshark 4.0 has none built in.  Written from the HEP3 chunk list of
-- sipcapture.org, independently of sipcanary's encoder (sip/hep.c), so
-- that the tests decode what sipcanary sends with someone else's SIP
-- dissector:
--   tshark -X lua_script:tests/lib/hep3.lua -d udp.port==PORT,hep ...
-- (UDP port 9060, HEP's usual one, without -d).  Fields: hep.length,
-- hep.family, hep.ip_proto, hep.src_ip / hep.dst_ip (IPv4) or
-- hep.src_ip6 / hep.dst_ip6, hep.src_port, hep.dst_port, hep.ts_sec,
-- hep.ts_usec, hep.proto_type, hep.capture_id, hep.auth_key,
-- hep.payload; a chunk of another vendor or type shows as hep.chunk.
-- A packet that is not well-formed HEPv3 (magic, total length, a chunk
-- length, a value of the wrong size) gets expert info hep.malformed.
-- The payload of a SIP packet (protocol type 1) goes to tshark's own
-- "sip" dissector, so sip.Method, sip.Call-ID, sip.CSeq,
-- sip.Status-Code and the rest are tshark's reading of it.

local hep = Proto("hep", "Homer Encapsulation Protocol v3")

local families = { [2] = "IPv4", [10] = "IPv6" }
local ipprotos = { [6] = "TCP", [17] = "UDP" }
local ptypes = { [1] = "SIP", [5] = "RTCP", [100] = "log" }

local f = {
	version = ProtoField.string("hep.version", "Magic"),
	length = ProtoField.uint16("hep.length", "Total length"),
	family = ProtoField.uint8("hep.family", "IP family", base.DEC, families),
	ip_proto = ProtoField.uint8("hep.ip_proto", "IP protocol", base.DEC, ipprotos),
	src_ip = ProtoField.ipv4("hep.src_ip", "Source address"),
	dst_ip = ProtoField.ipv4("hep.dst_ip", "Destination address"),
	src_ip6 = ProtoField.ipv6("hep.src_ip6", "Source address"),
	dst_ip6 = ProtoField.ipv6("hep.dst_ip6", "Destination address"),
	src_port = ProtoField.uint16("hep.src_port", "Source port"),
	dst_port = ProtoField.uint16("hep.dst_port", "Destination port"),
	ts_sec = ProtoField.uint32("hep.ts_sec", "Timestamp (seconds)"),
	ts_usec = ProtoField.uint32("hep.ts_usec", "Timestamp (microseconds)"),
	proto_type = ProtoField.uint8("hep.proto_type", "Protocol type", base.DEC, ptypes),
	capture_id = ProtoField.uint32("hep.capture_id", "Capture agent id"),
	auth_key = ProtoField.string("hep.auth_key", "Authentication key"),
	payload = ProtoField.bytes("hep.payload", "Payload"),
	chunk = ProtoField.bytes("hep.chunk", "Other chunk"),
}
hep.fields = f
local malformed = ProtoExpert.new("hep.malformed", "Malformed HEPv3",
	expert.group.MALFORMED, expert.severity.ERROR)
hep.experts = { malformed }

-- vendor-0 chunk type -> field and the size its value must have (nil: any)
local chunks = {
	[0x01] = { f.family, 1 }, [0x02] = { f.ip_proto, 1 },
	[0x03] = { f.src_ip, 4 }, [0x04] = { f.dst_ip, 4 },
	[0x05] = { f.src_ip6, 16 }, [0x06] = { f.dst_ip6, 16 },
	[0x07] = { f.src_port, 2 }, [0x08] = { f.dst_port, 2 },
	[0x09] = { f.ts_sec, 4 }, [0x0a] = { f.ts_usec, 4 },
	[0x0b] = { f.proto_type, 1 }, [0x0c] = { f.capture_id, 4 },
	[0x0e] = { f.auth_key }, [0x0f] = { f.payload },
}

local sip = Dissector.get("sip")

-- One chunk at off: adds it to tree; returns its length, or nil when it
-- is malformed, and the payload's range and protocol type when it is one.
local function chunk(tvb, off, total, tree)
	if off + 6 > total then
		tree:add_proto_expert_info(malformed, "truncated chunk header")
		return nil
	end
	local vendor, ctype = tvb(off, 2):uint(), tvb(off + 2, 2):uint()
	local clen = tvb(off + 4, 2):uint()
	if clen < 6 or off + clen > total then
		tree:add_proto_expert_info(malformed, "chunk length " .. clen)
		return nil
	end
	local value = tvb(off + 6, clen - 6)
	local known = vendor == 0 and chunks[ctype] or nil
	if known == nil then
		tree:add(f.chunk, value):append_text(
			string.format(" (vendor %d, type %d)", vendor, ctype))
		return clen
	end
	if known[2] ~= nil and known[2] ~= clen - 6 then
		tree:add_proto_expert_info(malformed, string.format(
			"chunk type %d: %d bytes, expected %d", ctype, clen - 6, known[2]))
		return nil
	end
	tree:add(known[1], value)
	return clen, ctype, value
end

function hep.dissector(tvb, pinfo, root)
	if tvb:len() < 6 or tvb(0, 4):string() ~= "HEP3" then
		return 0
	end
	pinfo.cols.protocol = "HEP3"
	local tree = root:add(hep, tvb())
	tree:add(f.version, tvb(0, 4))
	local total = tvb(4, 2):uint()
	tree:add(f.length, tvb(4, 2))
	if total ~= tvb:len() then
		tree:add_proto_expert_info(malformed, string.format(
			"total length %d, datagram %d", total, tvb:len()))
		return tvb:len()
	end
	local off, payload, ptype = 6, nil, nil
	while off < total do
		local clen, ctype, value = chunk(tvb, off, total, tree)
		if clen == nil then
			return tvb:len()
		end
		if ctype == 0x0f then
			payload = value
		elseif ctype == 0x0b then
			ptype = value:uint()
		end
		off = off + clen
	end
	if payload ~= nil and ptype == 1 then
		sip:call(payload:tvb(), pinfo, root)
	end
	return tvb:len()
end

local function heuristic(tvb, pinfo, root)
	if tvb:len() < 6 or tvb(0, 4):string() ~= "HEP3" then
		return false
	end
	hep.dissector(tvb, pinfo, root)
	return true
end

DissectorTable.get("udp.port"):add(9060, hep)
hep:register_heuristic("udp", heuristic)
