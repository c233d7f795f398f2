package demo

import (
	"fmt"
	"math/rand/v2"
)

// Common surnames of Heilongjiang and given-name characters; the names they
// make are invented.
var (
	surnames = []rune("王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘于蒋蔡杜程苏魏吕丁任沈姚卢姜崔谭陆范金石贾付方白邹孟秦邱闫段侯史陶贺顾郝")
	given    = []rune("国华建明军志文秀英玉兰凤春海平红丽德福成立永强伟芳桂荣淑珍宝山林庆江云雪梅秋霞新民东亮晓峰宏斌刚利")
)

// personName returns a two- or three-character name.
func personName(r *rand.Rand) string {
	n := string(surnames[r.IntN(len(surnames))]) + string(given[r.IntN(len(given))])
	if r.IntN(3) > 0 {
		n += string(given[r.IntN(len(given))])
	}
	return n
}

// fakePhone returns a phone number that is visibly not real.
func fakePhone(r *rand.Rand) string { return fmt.Sprintf("138-0000-%04d", r.IntN(10000)) }

// matter holds the wording of one category: a request, the facts and the
// respondent, with %s for the village and %d for an amount or a count.
type matter struct {
	request, facts, respondent, dept string
	mediable                         bool
}

// matters maps a category code to its wordings and the department that
// usually handles it.
var matters = map[string][]matter{
	"wage_arrears": {
		{"要求支付拖欠的务工工资%d元", "信访人在%s附近的建筑工地务工，工程完工后包工头以未结算为由拖欠工资。", "某建筑劳务公司", "renshe", true},
		{"要求农民专业合作社结清劳务费%d元", "信访人为%s合作社秋收打工，合作社至今未结清劳务费。", "某农民专业合作社", "renshe", true},
	},
	"land_transfer": {
		{"要求按合同支付土地流转费%d元", "信访人将%s承包地流转给种植大户，对方逾期未付流转费。", "种植大户", "nongye", true},
		{"要求确认承包地边界，返还被占耕地%d亩", "信访人与邻户在%s承包地边界上有争议，对方多种多占。", "邻户", "ziranziyuan", true},
	},
	"marriage_family": {
		{"要求子女履行赡养义务，每月支付赡养费%d元", "信访人年迈多病，居住在%s，子女互相推诿不尽赡养义务。", "子女", "sifa", true},
		{"要求调解离婚后子女抚养费%d元", "信访人离婚后独自抚养孩子，对方长期不支付抚养费，现居%s。", "前配偶", "sifa", true},
	},
	"neighbours": {
		{"要求邻居拆除占道柴草垛，恢复通行", "%s邻居在共用道路上堆放柴草，影响通行和消防安全。", "邻居", "", true},
		{"要求赔偿因排水造成的房屋损失%d元", "%s邻居院内排水流入信访人院内，导致墙体受损。", "邻居", "", true},
	},
	"property_management": {
		{"要求物业公司退还多收的物业费%d元", "信访人居住在县城小区，物业公司擅自上调收费标准。", "某物业公司", "zhujian", true},
		{"要求物业修复漏水屋面", "小区楼顶漏水多年，物业以维修资金不足为由拖延。", "某物业公司", "zhujian", true},
	},
	"medical": {
		{"要求医院对诊疗过错赔偿%d元", "信访人家属在医院手术后出现并发症，认为医院存在过错。", "某医院", "weijian", true},
		{"反映%s卫生室收费不规范", "%s卫生室存在药品加价、收费不开票据的情况。", "村卫生室", "weijian", false},
	},
	"labour": {
		{"要求企业补缴社会保险并支付经济补偿%d元", "信访人在企业工作多年，企业未为其缴纳社保，现被辞退。", "某粮食加工企业", "renshe", true},
		{"要求认定工伤并支付医疗费%d元", "信访人在企业作业时受伤，企业拒绝申报工伤。", "某乳品企业", "renshe", false},
	},
	"elevator_installation": {
		{"要求协调老旧小区加装电梯，%d户已签字同意", "单元内多数住户同意加装电梯，一楼住户以采光为由反对。", "一楼住户", "zhujian", true},
	},
	"traffic_accident": {
		{"要求肇事方赔偿医疗费、误工费共%d元", "信访人在%s附近道路被农用车撞伤，肇事方赔偿不到位。", "肇事车主", "gongan", true},
	},
	"other": {
		{"建议在%s修建村屯路灯", "%s道路夜间无照明，群众出行不便。", "", "", false},
		{"反映%s低保评定不公开", "信访人认为%s低保评定未经公示，存在优亲厚友。", "村委会", "minzheng", false},
	},
}

// accusations are wordings of 检举控告: always confidential.
var accusations = []matter{
	{"检举村干部虚报冒领惠农补贴%d元", "信访人反映%s干部在耕地地力保护补贴发放中虚报面积。", "村干部", "zongzhi", false},
	{"检举工作人员办事索要好处费", "信访人反映办理%s宅基地手续时被索要好处费。", "工作人员", "zongzhi", false},
}

// outcomes and other wordings.
var (
	extensionReasons = []string{"涉及多个部门，需联合调查核实", "需委托第三方鉴定", "涉及历史遗留问题，账目需逐笔核对"}
	failReasons      = []string{"双方对赔偿数额分歧过大", "被申请人拒不到场", "一方坚持通过诉讼解决"}
	breachReasons    = []string{"义务人逾期未履行付款义务", "义务人仅履行部分义务"}
	withdrawReasons  = []string{"问题已自行协商解决", "信访人决定通过诉讼解决"}
	objectReasons    = []string{"该事项不属于本单位职责范围", "应由属地乡镇先行处理"}
)
