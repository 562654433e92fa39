#include "tools/gen_zhuji/zhuji_tables.hpp"

#include <array>

namespace liandong::gen {

namespace {

// Police jurisdiction indices (police_stations() order) in the town table below.
constexpr std::array kTowns{
    TownDef{"jiyang", "暨阳街道", "Jiyang Street", "street", mdeg(29718, 120236), 0},
    TownDef{"huandong", "浣东街道", "Huandong Street", "street", mdeg(29737, 120266), 1},
    TownDef{"taozhu", "陶朱街道", "Taozhu Street", "street", mdeg(29698, 120204), 2},
    TownDef{"datang", "大唐街道", "Datang Street", "street", mdeg(29663, 120160), 3},
    TownDef{"yingdianjie", "应店街街道", "Yingdianjie Street", "street", mdeg(29625, 120080), 4},
    TownDef{"ciwu", "次坞镇", "Ciwu Town", "town", mdeg(29810, 120115), 5},
    TownDef{"diankou", "店口镇", "Diankou Town", "town", mdeg(29895, 120290), 6},
    TownDef{"ruanshi", "阮市镇", "Ruanshi Town", "town", mdeg(29862, 120215), 7},
    TownDef{"jiangzao", "江藻镇", "Jiangzao Town", "town", mdeg(29818, 120245), 7},
    TownDef{"yaojiang", "姚江镇", "Yaojiang Town", "town", mdeg(29790, 120305), 8},
    TownDef{"shanxiahu", "山下湖镇", "Shanxiahu Town", "town", mdeg(29755, 120350), 8},
    TownDef{"fengqiao", "枫桥镇", "Fengqiao Town", "town", mdeg(29645, 120440), 9},
    TownDef{"zhaojia", "赵家镇", "Zhaojia Town", "town", mdeg(29612, 120510), 9},
    TownDef{"dongbaihu", "东白湖镇", "Dongbaihu Town", "town", mdeg(29560, 120445), 10},
    TownDef{"chenzhai", "陈宅镇", "Chenzhai Town", "town", mdeg(29545, 120365), 10},
    TownDef{"lingbei", "岭北镇", "Lingbei Town", "town", mdeg(29490, 120385), 10},
    TownDef{"huangshan", "璜山镇", "Huangshan Town", "town", mdeg(29530, 120235), 11},
    TownDef{"donghe", "东和乡", "Donghe Township", "township", mdeg(29515, 120305), 11},
    TownDef{"lipu", "浬浦镇", "Lipu Town", "town", mdeg(29580, 120290), 11},
    TownDef{"paitou", "牌头镇", "Paitou Town", "town", mdeg(29600, 120195), 12},
    TownDef{"anhua", "安华镇", "Anhua Town", "town", mdeg(29555, 120150), 13},
    TownDef{"tongshan", "同山镇", "Tongshan Town", "town", mdeg(29580, 120075), 13},
    TownDef{"wuxie", "五泄镇", "Wuxie Town", "town", mdeg(29730, 120070), 14},
    TownDef{"majian", "马剑镇", "Majian Town", "town", mdeg(29730, 119985), 4},
    TownDef{"jieting", "街亭镇", "Jieting Town", "town", mdeg(29700, 120400), 15},
    TownDef{"caota", "草塔镇", "Caota Town", "town", mdeg(29640, 120330), 15},
    TownDef{"wangjiajing", "王家井镇", "Wangjiajing Town", "town", mdeg(29660, 120255), 0},
};

constexpr std::array kAgencies{
    AgencyDef{"command", "诸暨市应急联动指挥中心", "Zhuji Emergency Linkage Command Centre"},
    AgencyDef{"supervisor", "平台值班长", "Platform duty supervisors"},
    AgencyDef{"police", "诸暨市公安局", "Zhuji Public Security Bureau"},
    AgencyDef{"fire", "诸暨市消防救援大队", "Zhuji Fire and Rescue Brigade"},
    AgencyDef{"ems", "诸暨市急救站(120)", "Zhuji Emergency Medical Service (120)"},
    AgencyDef{"traffic", "诸暨市公安局交通警察大队", "Zhuji Traffic Police Brigade"},
    AgencyDef{"citymgmt", "诸暨市城市管理行政执法局", "Zhuji City Management and Law Enforcement Bureau"},
    AgencyDef{"utility", "公用事业抢修", "Utility emergency repair crews"},
    AgencyDef{"dept", "96345承办部门", "Departments answering 96345 work orders"},
    AgencyDef{"mediation", "专业调解中心", "Specialist mediation centres"},
};

constexpr Point kServiceCentre = mdeg(29714, 120240);  // the city's administrative service centre

constexpr std::array kCommandUnits{
    UnitDef{"command.centre", "市应急联动指挥中心", "Emergency Linkage Command Centre", kServiceCentre},
    UnitDef{"supervisor.110", "110指挥中心值班长", "110 duty supervisor", kServiceCentre},
    UnitDef{"supervisor.96345", "96345热线值班长", "96345 hotline duty supervisor", kServiceCentre},
    UnitDef{"supervisor.citymgmt", "数字城管监督指挥中心值班长", "Digital city management duty supervisor",
            kServiceCentre},
    UnitDef{"supervisor.watch", "平安联防平台值班长", "Neighbourhood watch platform duty supervisor", kServiceCentre},
};

constexpr std::array kPolice{
    UnitDef{"police.ps01", "暨阳派出所", "Jiyang Police Station", mdeg(29720, 120239)},
    UnitDef{"police.ps02", "浣东派出所", "Huandong Police Station", mdeg(29739, 120268)},
    UnitDef{"police.ps03", "陶朱派出所", "Taozhu Police Station", mdeg(29700, 120207)},
    UnitDef{"police.ps04", "大唐派出所", "Datang Police Station", mdeg(29665, 120162)},
    UnitDef{"police.ps05", "应店街派出所", "Yingdianjie Police Station", mdeg(29627, 120082)},
    UnitDef{"police.ps06", "次坞派出所", "Ciwu Police Station", mdeg(29812, 120117)},
    UnitDef{"police.ps07", "店口派出所", "Diankou Police Station", mdeg(29897, 120292)},
    UnitDef{"police.ps08", "阮市派出所", "Ruanshi Police Station", mdeg(29860, 120218)},
    UnitDef{"police.ps09", "姚江派出所", "Yaojiang Police Station", mdeg(29792, 120307)},
    UnitDef{"police.ps10", "枫桥派出所", "Fengqiao Police Station", mdeg(29647, 120442)},
    UnitDef{"police.ps11", "东白湖派出所", "Dongbaihu Police Station", mdeg(29562, 120447)},
    UnitDef{"police.ps12", "璜山派出所", "Huangshan Police Station", mdeg(29532, 120237)},
    UnitDef{"police.ps13", "牌头派出所", "Paitou Police Station", mdeg(29602, 120197)},
    UnitDef{"police.ps14", "安华派出所", "Anhua Police Station", mdeg(29557, 120152)},
    UnitDef{"police.ps15", "五泄派出所", "Wuxie Police Station", mdeg(29732, 120072)},
    UnitDef{"police.ps16", "街亭派出所", "Jieting Police Station", mdeg(29702, 120402)},
};

constexpr std::array kFire{
    UnitDef{"fire.st01", "城区消防站(特勤站)", "Urban Fire Station (special service)", mdeg(29722, 120240)},
    UnitDef{"fire.st02", "城西消防站", "West City Fire Station", mdeg(29696, 120198)},
    UnitDef{"fire.st03", "店口消防站", "Diankou Fire Station", mdeg(29893, 120287)},
    UnitDef{"fire.st04", "大唐消防站", "Datang Fire Station", mdeg(29667, 120157)},
    UnitDef{"fire.st05", "枫桥消防站", "Fengqiao Fire Station", mdeg(29642, 120437)},
    UnitDef{"fire.st06", "牌头消防站", "Paitou Fire Station", mdeg(29603, 120199)},
    UnitDef{"fire.st07", "璜山消防站", "Huangshan Fire Station", mdeg(29534, 120238)},
    UnitDef{"fire.st08", "次坞消防站", "Ciwu Fire Station", mdeg(29808, 120118)},
    UnitDef{"fire.st09", "山下湖消防站", "Shanxiahu Fire Station", mdeg(29757, 120347)},
};

constexpr std::array kEms{
    UnitDef{"ems.st01", "市人民医院急救分站", "People's Hospital EMS Station", mdeg(29716, 120232)},
    UnitDef{"ems.st02", "市中医院急救分站", "TCM Hospital EMS Station", mdeg(29733, 120262)},
    UnitDef{"ems.st03", "店口急救分站", "Diankou EMS Station", mdeg(29897, 120294)},
    UnitDef{"ems.st04", "大唐急救分站", "Datang EMS Station", mdeg(29661, 120164)},
    UnitDef{"ems.st05", "枫桥急救分站", "Fengqiao EMS Station", mdeg(29638, 120444)},
    UnitDef{"ems.st06", "牌头急救分站", "Paitou EMS Station", mdeg(29598, 120192)},
    UnitDef{"ems.st07", "璜山急救分站", "Huangshan EMS Station", mdeg(29528, 120232)},
    UnitDef{"ems.st08", "次坞急救分站", "Ciwu EMS Station", mdeg(29812, 120112)},
    UnitDef{"ems.st09", "街亭急救分站", "Jieting EMS Station", mdeg(29702, 120398)},
    UnitDef{"ems.st10", "应店街急救分站", "Yingdianjie EMS Station", mdeg(29627, 120084)},
};

constexpr std::array kTraffic{
    UnitDef{"traffic.sq01", "城区交警中队", "Urban Traffic Police Squadron", mdeg(29712, 120245)},
    UnitDef{"traffic.sq02", "城北交警中队(店口)", "North Traffic Police Squadron (Diankou)", mdeg(29880, 120280)},
    UnitDef{"traffic.sq03", "城西交警中队(大唐)", "West Traffic Police Squadron (Datang)", mdeg(29665, 120150)},
    UnitDef{"traffic.sq04", "城南交警中队(牌头)", "South Traffic Police Squadron (Paitou)", mdeg(29595, 120205)},
    UnitDef{"traffic.sq05", "城东交警中队(枫桥)", "East Traffic Police Squadron (Fengqiao)", mdeg(29645, 120430)},
    UnitDef{"traffic.sq06", "次坞交警中队", "Ciwu Traffic Police Squadron", mdeg(29805, 120125)},
};

constexpr std::array kUtilities{
    UnitDef{"utility.water", "自来水公司抢修队", "Water supply emergency repair crew", mdeg(29725, 120250)},
    UnitDef{"utility.power", "供电公司抢修队", "Power supply emergency repair crew", mdeg(29708, 120228)},
    UnitDef{"utility.gas", "燃气公司抢修队", "Gas supply emergency repair crew", mdeg(29745, 120255)},
};

constexpr std::array kDepartments{
    UnitDef{"dept.water", "市水利水务局", "Water Resources Bureau", kServiceCentre},
    UnitDef{"dept.power", "国网诸暨市供电公司客服中心", "State Grid Zhuji customer service", kServiceCentre},
    UnitDef{"dept.housing", "市住房和城乡建设局", "Housing and Urban-Rural Development Bureau", kServiceCentre},
    UnitDef{"dept.transport", "市交通运输局", "Transport Bureau", kServiceCentre},
    UnitDef{"dept.environment", "市环境保护局", "Environmental Protection Bureau", kServiceCentre},
    UnitDef{"dept.market", "市市场监督管理局", "Market Supervision Bureau", kServiceCentre},
    UnitDef{"dept.civil_affairs", "市民政局", "Civil Affairs Bureau", kServiceCentre},
    UnitDef{"dept.labour", "市人力资源和社会保障局", "Human Resources and Social Security Bureau", kServiceCentre},
    UnitDef{"dept.health", "市卫生局", "Health Bureau", kServiceCentre},
    UnitDef{"dept.education", "市教育局", "Education Bureau", kServiceCentre},
    UnitDef{"dept.land", "市国土资源局", "Land and Resources Bureau", kServiceCentre},
    UnitDef{"dept.agriculture", "市农业局", "Agriculture Bureau", kServiceCentre},
    UnitDef{"dept.forestry", "市林业局", "Forestry Bureau", kServiceCentre},
    UnitDef{"dept.safety", "市安全生产监督管理局", "Work Safety Bureau", kServiceCentre},
    UnitDef{"dept.floating_population", "市流动人口服务管理局", "Floating Population Service Bureau", kServiceCentre},
    UnitDef{"dept.approval", "市行政服务中心", "Administrative Service Centre", kServiceCentre},
    UnitDef{"dept.petition", "市信访局(举报投诉中心)", "Letters and Calls Bureau (complaints and reports)",
            kServiceCentre},
};

constexpr std::array kMediation{
    UnitDef{"mediation.medical", "医患纠纷调解中心", "Medical Dispute Mediation Centre", kServiceCentre},
    UnitDef{"mediation.court", "法院诉前调解中心", "Court Pre-trial Mediation Centre", kServiceCentre},
    UnitDef{"mediation.traffic", "交通事故调解中心", "Traffic Accident Mediation Centre", kServiceCentre},
    UnitDef{"mediation.consumer", "消费权益调解中心", "Consumer Rights Mediation Centre", kServiceCentre},
    UnitDef{"mediation.labour", "劳资纠纷调解中心", "Labour Dispute Mediation Centre", kServiceCentre},
    UnitDef{"mediation.family", "婚姻家庭调解中心", "Marriage and Family Mediation Centre", kServiceCentre},
};

constexpr std::array kGaps{
    GapDef{"陈蔡水库", "Chencai Reservoir", mdeg(29600, 120405), 2200},
    GapDef{"白塔湖湿地", "Baita Lake wetland", mdeg(29858, 120282), 1200},
    GapDef{"五泄山区", "Wuxie mountains", mdeg(29770, 120025), 2000},
    GapDef{"东白山", "Dongbai Mountain", mdeg(29492, 120455), 1800},
};

constexpr std::array kOutline{
    mdeg(29935, 120280), mdeg(29920, 120360), mdeg(29860, 120410), mdeg(29800, 120450), mdeg(29720, 120500),
    mdeg(29640, 120545), mdeg(29570, 120520), mdeg(29520, 120470), mdeg(29460, 120420), mdeg(29455, 120340),
    mdeg(29480, 120260), mdeg(29500, 120180), mdeg(29530, 120100), mdeg(29580, 120030), mdeg(29650, 119970),
    mdeg(29720, 119955), mdeg(29790, 119990), mdeg(29840, 120060), mdeg(29880, 120130), mdeg(29920, 120200),
};

}  // namespace

std::span<const TownDef> towns() { return kTowns; }
std::span<const AgencyDef> agencies() { return kAgencies; }
std::span<const UnitDef> command_units() { return kCommandUnits; }
std::span<const UnitDef> police_stations() { return kPolice; }
std::span<const UnitDef> fire_stations() { return kFire; }
std::span<const UnitDef> ems_stations() { return kEms; }
std::span<const UnitDef> traffic_squadrons() { return kTraffic; }
std::span<const UnitDef> utility_crews() { return kUtilities; }
std::span<const UnitDef> departments() { return kDepartments; }
std::span<const UnitDef> mediation_centres() { return kMediation; }
std::span<const GapDef> gaps() { return kGaps; }
std::span<const Point> outline() { return kOutline; }
Point city_centre() { return mdeg(29718, 120240); }

}  // namespace liandong::gen
