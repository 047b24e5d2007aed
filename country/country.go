// Package country checks ISO 3166-1 alpha-2 country codes against the list
// of officially assigned ones. Operators' locations and KYC documents both
// name countries this way.
package country

import "strings"

// countryCodes lists every officially assigned ISO 3166-1 alpha-2 code in
// alphabetical order.
const countryCodes = `
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS
BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE
EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM
HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC
LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA
NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW
SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO
TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
`

// countrySet holds countryCodes as a set for lookups.
var countrySet = newCountrySet(countryCodes)

func newCountrySet(list string) map[string]struct{} {
	codes := strings.Fields(list)
	set := make(map[string]struct{}, len(codes))
	for _, c := range codes {
		set[c] = struct{}{}
	}
	return set
}

// Code trims surrounding white space from s, upper-cases its ASCII
// letters and returns the result, reporting whether it is an officially
// assigned ISO 3166-1 alpha-2 country code.
func Code(s string) (string, bool) {
	s = upperASCII(strings.TrimSpace(s))
	_, ok := countrySet[s]
	return s, ok
}

// upperASCII upper-cases the ASCII letters of s, leaving other bytes alone.
func upperASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}
