package demo

import (
	"fmt"

	"hearingroom/petitions"
)

// CountyID is the id of the demo county, the root of the unit tree.
const CountyID = "fuyu"

// CountyCode is the 行政区划代码 of 富裕县 (Qiqihar, Heilongjiang).
const CountyCode = "230227"

// township is one township of the demo county with its villages. The ten
// townships are Fuyu's real ones (6 镇, 4 乡); the village names are
// plausible north-eastern names, not the official list, except where marked.
type township struct {
	slug, name string
	villages   [9]string
}

var townships = []township{
	{"fuyuzhen", "富裕镇", [9]string{"东升村", "西沟村", "南岗村", "北屯村", "红星村", "永安村", "新华村", "前进村", "胜利村"}},
	{"fuluzhen", "富路镇", [9]string{"富路村", "长发村", "兴隆村", "民乐村", "太平村", "双合村", "东富村", "红光村", "保安村"}},
	{"fuhaizhen", "富海镇", [9]string{"富海村", "海洋村", "广胜村", "东兴村", "新立村", "福兴村", "永丰村", "三合村", "团结村"}},
	{"erdaowanzhen", "二道湾镇", [9]string{"二道湾村", "头道湾村", "三道湾村", "永乐村", "新建村", "东明村", "平安村", "兴旺村", "长胜村"}},
	// 前雅洲屯 is named in the source article (a 屯 of 龙安桥镇).
	{"longanqiaozhen", "龙安桥镇", [9]string{"龙安桥村", "雅洲村", "小河东村", "大河西村", "东升村", "和平村", "幸福村", "光明村", "富强村"}},
	{"tahazhen", "塔哈镇", [9]string{"塔哈村", "大马岗村", "小马岗村", "东塔村", "西塔村", "新富村", "永胜村", "长山村", "红旗村"}},
	{"fanrongxiang", "繁荣乡", [9]string{"繁荣村", "新兴村", "兴华村", "东光村", "北安村", "民主村", "福利村", "永兴村", "建国村"}},
	// 三家子村 is real: the Manchu-speaking village of 友谊乡.
	{"youyixiang", "友谊乡", [9]string{"三家子村", "友谊村", "宁年村", "达斡尔村", "东湖村", "西湖村", "前卫村", "长青村", "联合村"}},
	{"zhonghouxiang", "忠厚乡", [9]string{"忠厚村", "厚德村", "永和村", "东风村", "新生村", "立新村", "丰收村", "和睦村", "星火村"}},
	{"shaowenxiang", "绍文乡", [9]string{"绍文村", "文化村", "新胜村", "东安村", "西安村", "太和村", "保国村", "兴农村", "和谐村"}},
}

// department is a county department with the slug of its unit id.
type department struct {
	slug, name string
}

var departments = []department{
	{"xinfang", "县信访局（矛盾纠纷调处化解中心）"},
	{"zongzhi", "县委政法委（综治中心）"},
	{"gongan", "县公安局"},
	{"renshe", "县人力资源和社会保障局"},
	{"ziranziyuan", "县自然资源局"},
	{"zhujian", "县住房和城乡建设局"},
	{"weijian", "县卫生健康局"},
	{"sifa", "县司法局"},
	{"fayuan", "县人民法院"},
	{"shichang", "县市场监督管理局"},
	{"nongye", "县农业农村局"},
	{"jiaoyu", "县教育局"},
	{"minzheng", "县民政局"},
	{"chengguan", "县城市管理综合执法局"},
}

// DeptID returns the unit id of the department with the given slug.
func DeptID(slug string) string { return CountyID + ".dept." + slug }

// TownshipID returns the unit id of township t (0–9).
func TownshipID(t int) string { return CountyID + "." + townships[t].slug }

// VillageID returns the unit id of village v (0–8) of township t.
func VillageID(t, v int) string { return fmt.Sprintf("%s.v%02d", TownshipID(t), v+1) }

// StationID returns the id of the reception room (接访室) of a unit.
func StationID(unitID string) string { return "station." + unitID }

// Units returns the demo unit tree, each parent before its children: 富裕县,
// its 10 townships each followed by its 9 villages, then the county
// departments. The ids are stable: "fuyu", "fuyu.fuyuzhen",
// "fuyu.fuyuzhen.v01", "fuyu.dept.xinfang".
func Units() []*petitions.Unit {
	us := make([]*petitions.Unit, 0, 1+len(townships)*10+len(departments))
	us = append(us, &petitions.Unit{ID: CountyID, Name: "富裕县", Level: petitions.UnitCounty, Code: CountyCode})
	for t, tw := range townships {
		us = append(us, &petitions.Unit{ID: TownshipID(t), Name: tw.name, Level: petitions.UnitTownship, ParentID: CountyID})
		for v, name := range tw.villages {
			us = append(us, &petitions.Unit{ID: VillageID(t, v), Name: name, Level: petitions.UnitVillage, ParentID: TownshipID(t)})
		}
	}
	for _, d := range departments {
		us = append(us, &petitions.Unit{ID: DeptID(d.slug), Name: d.name, Level: petitions.UnitDepartment, ParentID: CountyID})
	}
	return us
}

// CentreStationID is the id of the county centre's reception hall, the
// station of the 信访局 (矛调中心) where the county dispatchers and mediators
// sit.
var CentreStationID = StationID(DeptID("xinfang"))

// Stations returns the demo reception rooms, each after its unit: the county
// centre's hall, then each township's reception room (接访室) followed by the
// video reception points of its villages' committees. Every station a
// generated case or session names is among them.
func Stations() []*petitions.Station {
	ss := make([]*petitions.Station, 0, 1+len(townships)*10)
	ss = append(ss, &petitions.Station{ID: CentreStationID, Unit: DeptID("xinfang"), Name: "富裕县矛盾纠纷调处化解中心接访大厅"})
	for t, tw := range townships {
		ss = append(ss, &petitions.Station{ID: StationID(TownshipID(t)), Unit: TownshipID(t), Name: tw.name + "接访室"})
		for v, name := range tw.villages {
			ss = append(ss, &petitions.Station{ID: StationID(VillageID(t, v)), Unit: VillageID(t, v),
				Name: tw.name + name + "村委会视频接访点"})
		}
	}
	return ss
}
