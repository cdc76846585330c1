import type { Language } from "../schemas/announcement";
import { groupPairingCode } from "../schemas/screen";
import { wordRevisionFields } from "./revisionFieldWords";

/**
 * Every sentence the server can refuse with, in both languages: one source for the server (which
 * sends the English sentence, its `reason` key and `params`) and the console (which words the
 * reason in its own language). A `{name}` in a template is a parameter. The Chinese uses the
 * English template's parameters, except that it may leave out the English-only ones: `gloss`
 * (a column's English name), `gloss2` and `detail` (an English sentence from elsewhere, such as a
 * schema's). A unit test holds every reason to this.
 *
 * Keys are `<area>.<what>`, lower camel case after the dot. Add a reason here, then throw it with
 * `new AppError(status, code, said("area.what", { param }))`.
 */
export const errorMessages = {
  // Import: the file as a whole ({file} is " NAME" or empty, so the English reads "The file NAME").
  "import.oneRunning": {
    en: "You already have an import running; wait for it to finish, then send the next one.",
    "zh-CN": "您已有一个导入正在进行；请等它完成后再发送下一个。",
  },
  "import.serverBusy": {
    en: "The server is running {count} imports already; try again in a minute.",
    "zh-CN": "服务器已在进行 {count} 个导入；请一分钟后再试。",
  },
  "import.fileTooLarge": {
    en: "The file{file} is larger than 50 MB; split the export into smaller files.",
    "zh-CN": "文件{file}：超过 50 MB；请把导出文件拆分成较小的文件。",
  },
  "import.badUtf8": {
    en: 'The file{file} is marked as UTF-8 but is not valid UTF-8; save it again as "CSV UTF-8".',
    "zh-CN": "文件{file}：标记为 UTF-8，但不是有效的 UTF-8；请重新另存为“CSV UTF-8”。",
  },
  "import.fileEmpty": { en: "The file{file} is empty.", "zh-CN": "文件{file}：为空。" },
  "import.notText": {
    en: "The file{file} is not a text file; a court export is a CSV or JSON file.",
    "zh-CN": "文件{file}：不是文本文件；法院导出文件应为 CSV 或 JSON 文件。",
  },
  "import.notGb18030": {
    en: 'The file{file} is neither UTF-8 nor GB18030 text; save it as "CSV UTF-8" and try again.',
    "zh-CN": "文件{file}：既不是 UTF-8 也不是 GB18030 文本；请另存为“CSV UTF-8”后重试。",
  },
  "import.utf16": {
    en: 'The file{file} is UTF-16 text; save it as "CSV UTF-8" (or GB18030 CSV) and try again.',
    "zh-CN": "文件{file}：是 UTF-16 文本；请另存为“CSV UTF-8”（或 GB18030 编码的 CSV）后重试。",
  },
  "import.workbook": {
    en: 'The file{file} is an Excel workbook or a zip archive; save the sheet as "CSV UTF-8" first.',
    "zh-CN": "文件{file}：是 Excel 工作簿或 zip 压缩包；请先把工作表另存为“CSV UTF-8”。",
  },
  "import.oldWorkbook": {
    en: 'The file{file} is an old Excel (.xls) workbook; save the sheet as "CSV UTF-8" first.',
    "zh-CN": "文件{file}：是旧版 Excel（.xls）工作簿；请先把工作表另存为“CSV UTF-8”。",
  },
  "import.pdf": {
    en: "The file{file} is a PDF; the importer reads CSV or JSON exports.",
    "zh-CN": "文件{file}：是 PDF；导入只接受 CSV 或 JSON 格式的导出文件。",
  },
  "import.nulBytes": {
    en: "The file{file} is not a text file (it contains NUL bytes); a court export is a CSV or JSON file.",
    "zh-CN": "文件{file}：不是文本文件（含有 NUL 字节）；法院导出文件应为 CSV 或 JSON 文件。",
  },
  "import.optionsInvalid": {
    en: "The import options are not valid ({detail}).",
    "zh-CN": "导入选项无效（到期日期、列入年限或所选地区），请检查表单。",
  },
  "import.columnTwice": {
    en: "The file{file} has the column {column} twice; remove one and try again.",
    "zh-CN": "文件{file}：“{column}”列出现了两次；请删除其中一列后重试。",
  },
  "import.csvQuoteNotClosed": {
    en: "The file{file} is not a well-formed CSV file: a quoted cell is never closed{detail}.",
    "zh-CN": "文件{file}：不是格式正确的 CSV 文件，有一个带引号的单元格没有闭合。",
  },
  "import.csvUnreadable": {
    en: "The file{file} is not a well-formed CSV file: it cannot be read as CSV{detail}.",
    "zh-CN": "文件{file}：不是格式正确的 CSV 文件，无法按 CSV 读取。",
  },
  "import.jsonInvalid": {
    en: "The file{file} is not valid JSON{detail}.",
    "zh-CN": "文件{file}：不是有效的 JSON。",
  },
  "import.jsonNotArray": {
    en: 'The file{file} is JSON but not an array of rows; a court export in JSON is [ {"案号": …}, … ].',
    "zh-CN":
      '文件{file}：是 JSON，但不是由各行组成的数组；JSON 格式的法院导出文件形如 [ {"案号": …}, … ]。',
  },
  "import.tooManyRows": {
    en: "The file{file} has more than {max} rows; split the export into smaller files.",
    "zh-CN": "文件{file}：超过 {max} 行；请把导出文件拆分成较小的文件。",
  },
  // Import: a court export and its rows (server/services/import, EntryImporter). {column} is the
  // export's Chinese header, {gloss} its English name.
  "import.columnsMissing": {
    en: "The file lacks the column(s) {columns}, so no row can be imported.",
    "zh-CN": "文件缺少以下列：{columns}，因此任何一行都无法导入。",
  },
  "import.columnsMissingNothingImported": {
    en: "The export lacks the column(s) {columns}; nothing was imported.",
    "zh-CN": "导出文件缺少以下列：{columns}；未导入任何内容。",
  },
  "import.cellCount": {
    en: "Line {line} has {cells} cells but the header has {header}; a comma inside a cell must be within double quotes.",
    "zh-CN":
      "第 {line} 行有 {cells} 个单元格，而表头有 {header} 个；单元格内的逗号必须放在双引号内。",
  },
  "import.rowNotObject": {
    en: "The row at line {line} is not an object of columns.",
    "zh-CN": "第 {line} 行不是由各列组成的对象。",
  },
  "import.cellNotText": {
    en: "{column} ({gloss}) must be text, not {detail}.",
    "zh-CN": "“{column}”必须是文本。",
  },
  "import.nameFormula": {
    en: "{column} ({gloss}) looks like a spreadsheet formula (it starts with =, +, -, @ or a tab); a name cannot.",
    "zh-CN": "“{column}”看起来像电子表格公式（以 =、+、-、@ 或制表符开头）；姓名或名称不能如此。",
  },
  "import.nameMarkup": {
    en: "{column} ({gloss}) contains < or >, which no name has; markup is not accepted as a name.",
    "zh-CN": "“{column}”含有 < 或 >，姓名或名称中不会有这些字符；不接受标记代码作为名称。",
  },
  "import.nameLineBreak": {
    en: "{column} ({gloss}) has a line break; a name is one line.",
    "zh-CN": "“{column}”中有换行；姓名或名称只能是一行。",
  },
  "import.sexInvalid": {
    en: "{column} ({gloss}) must be 男, 女 or empty, not “{value}”.",
    "zh-CN": "“{column}”只能是“男”“女”或留空，而不是“{value}”。",
  },
  "import.subjectTypeInvalid": {
    en: "{column} ({gloss}) must be 自然人 (person), 法人 (organisation) or empty, not “{value}”.",
    "zh-CN": "“{column}”只能是“自然人”“法人”或留空，而不是“{value}”。",
  },
  "import.sexButOrganisationCode": {
    en: "{column} ({gloss}) is filled in but {column2} ({gloss2}) is an organisation's code. A row is either a person or an organisation.",
    "zh-CN": "填写了“{column}”，但“{column2}”是组织机构的代码。一行只能是自然人或法人之一。",
  },
  "import.personButOrganisationCode": {
    en: "{column} ({gloss}) says a person but {column2} ({gloss2}) is an organisation's code. A row is either a person or an organisation.",
    "zh-CN": "“{column}”为自然人，但“{column2}”是组织机构的代码。一行只能是自然人或法人之一。",
  },
  "import.organisationButResidentId": {
    en: "{column} ({gloss}) says an organisation but {column2} ({gloss2}) is a resident ID number. A row is either a person or an organisation.",
    "zh-CN": "“{column}”为法人，但“{column2}”是居民身份证号码。一行只能是自然人或法人之一。",
  },
  "import.organisationButSex": {
    en: "{column} ({gloss}) says an organisation but {column2} ({gloss2}) is filled in. A row is either a person or an organisation.",
    "zh-CN": "“{column}”为法人，但填写了“{column2}”。一行只能是自然人或法人之一。",
  },
  "import.dateEmpty": {
    en: "{column} ({gloss}) is empty; the listing date comes from it.",
    "zh-CN": "“{column}”为空；列入日期取自该列。",
  },
  "import.dateSerial": {
    en: "{column} ({gloss}) is a spreadsheet date number ({value}); format the column as a date (YYYY-MM-DD) before saving.",
    "zh-CN":
      "“{column}”是电子表格的日期序号（{value}）；请先把该列设为日期格式（YYYY-MM-DD）再保存。",
  },
  "import.dateFormat": {
    en: "{column} ({gloss}) is not a date in the form YYYY-MM-DD (“{value}”).",
    "zh-CN": "“{column}”不是 YYYY-MM-DD 格式的日期（“{value}”）。",
  },
  "import.dateNotReal": {
    en: "{column} ({gloss}) is not a real date ({value}).",
    "zh-CN": "“{column}”不是真实存在的日期（{value}）。",
  },
  "import.amountNegative": {
    en: "{column} ({gloss}) names a negative amount ({value}).",
    "zh-CN": "“{column}”中的金额为负数（{value}）。",
  },
  "import.amountTooFine": {
    en: "{column} ({gloss}) names an amount finer than one fen ({value}).",
    "zh-CN": "“{column}”中的金额精确到分以下（{value}）。",
  },
  "import.amountTooLarge": {
    en: "{column} ({gloss}) names an amount too large to be real ({value}).",
    "zh-CN": "“{column}”中的金额大得不真实（{value}）。",
  },
  "import.photoName": {
    en: "{column} ({gloss}) must be a bare file name such as photo-001.jpg, without folders, “..” or a leading dot.",
    "zh-CN": "“{column}”必须是单纯的文件名（如 photo-001.jpg），不能含文件夹、“..”或以点开头。",
  },
  "import.fieldEmpty": {
    en: "{column} ({gloss}): {detail}",
    "zh-CN": "“{column}”是必填项，不能为空。",
  },
  "import.fieldTooLong": {
    en: "{column} ({gloss}): {detail}",
    "zh-CN": "“{column}”过长。",
  },
  "import.fieldInvalid": {
    en: "{column} ({gloss}): {detail}",
    "zh-CN": "“{column}”的值无效，请检查其格式。",
  },
  "import.personalData": {
    en: "{column} ({gloss}) carries {found}. Street screens show this text beside the masked name: remove it, or mask it (张某, 138****8000).",
    "zh-CN":
      "“{column}”中含有个人信息（被执行人或法定代表人的全名、身份证号、统一社会信用代码、手机号、护照号，或紧挨着号码、写在“当事人”“联系人”等之后的姓名）。街头屏幕会在遮盖后的姓名旁显示这段文字，请删除或加以遮盖（如“张某”“138****8000”）。",
  },
  "import.optionInvalid": {
    en: "{detail}",
    "zh-CN": "导入选项无效（到期日期、列入年限或所选地区），请检查表单。",
  },
  "import.expired": {
    en: "The listing expired on {date}; give a later expiry date or a longer listing period to import it.",
    "zh-CN": "该条目的列入期已于 {date} 届满；如需导入，请填写更晚的到期日期或更长的列入年限。",
  },
  "import.sameCase": {
    en: "Same case as line {line}.",
    "zh-CN": "与第 {line} 行是同一案件。",
  },
  "import.photoNotSupplied": {
    en: "The photo {photo} was not supplied.",
    "zh-CN": "未提供照片 {photo}。",
  },
  "import.photoNotSuppliedTryWithout": {
    en: "The photo {photo} was not supplied: add it to the photo zip, or import such rows without their photo.",
    "zh-CN": "未提供照片 {photo}：请把它放入照片压缩包，或选择不带照片导入这样的行。",
  },
  "import.waitsForPhoto": {
    en: "Imported without its photo {photo}: the entry waits in review for a photo, or a moderator approves it without one.",
    "zh-CN": "已导入，但没有照片 {photo}：该条目在审核中等待照片，或由审核员决定不带照片批准。",
  },
  "import.photoRefused": {
    en: "Photo {photo}: {detail}",
    "zh-CN": "照片 {photo} 未通过检查。",
  },
  "import.notMultipart": {
    en: 'Send the export as multipart/form-data with a "file" part.',
    "zh-CN": "请以 multipart/form-data 格式发送导出文件，并包含“file”部分。",
  },
  "import.fileMissing": {
    en: 'The form needs the export in a "file" part.',
    "zh-CN": "表单中缺少导出文件（“file”部分）。",
  },
  "pairing.tooManyCodes": {
    en: "Too many pairing codes requested from this address; try again in {seconds} s.",
    "zh-CN": "此地址申请的配对码过多，请 {seconds} 秒后重试。",
  },
  "pairing.tooManyCodesFromRange": {
    en: "Too many pairing codes requested from the network {range}; try again in {seconds} s.",
    "zh-CN": "网络 {range} 申请的配对码过多，请 {seconds} 秒后重试。",
  },
  "pairing.tooManyCodesOverall": {
    en: "Too many pairing codes requested from everywhere at once; try again in {seconds} s.",
    "zh-CN": "各处同时申请的配对码过多，请 {seconds} 秒后重试。",
  },
  "pairing.noFreeCode": {
    en: "No free pairing code could be found; try again.",
    "zh-CN": "找不到可用的配对码，请重试。",
  },
  "pairing.tooManyWrongCodes": {
    en: "Too many wrong pairing codes; try again in {seconds} s.",
    "zh-CN": "错误的配对码过多，请 {seconds} 秒后重试。",
  },
  "pairing.unknownCode": {
    en: "No kiosk is showing the pairing code {code}; check the screen.",
    "zh-CN": "没有屏幕显示配对码 {code}，请核对屏幕。",
  },
  "pairing.codeUsed": {
    en: "The pairing code {code} was already used; each code works once.",
    "zh-CN": "配对码 {code} 已被使用；每个配对码只能用一次。",
  },
  "pairing.codeExpired": {
    en: "The pairing code {code} has expired; the kiosk shows a new one.",
    "zh-CN": "配对码 {code} 已过期；屏幕会显示新的配对码。",
  },
  "request.notFound": {
    en: "Nothing is at {method} {path}.",
    "zh-CN": "{method} {path} 不存在。",
  },
  "request.badJson": {
    en: "The request body is not valid JSON.",
    "zh-CN": "请求内容不是有效的 JSON。",
  },
  "request.tooLarge": { en: "The request body is too large.", "zh-CN": "请求内容过大。" },
  "request.badEncoding": {
    en: "The request body's encoding is not supported.",
    "zh-CN": "不支持请求内容的编码。",
  },
  "request.unreadable": { en: "The request could not be read.", "zh-CN": "无法读取该请求。" },
  "request.internal": {
    en: "The server failed to handle this request; it has been logged.",
    "zh-CN": "服务器未能处理此请求，已记录在日志中。",
  },
  "request.databaseUnreachable": {
    en: "The server cannot reach its database right now; try again in a moment.",
    "zh-CN": "服务器暂时无法连接数据库，请稍后重试。",
  },
  "screen.notFound": { en: "No screen has the id {id}.", "zh-CN": "没有 ID 为 {id} 的屏幕。" },
  "screen.unpaired": {
    en: "This screen is unpaired; pair it again first.",
    "zh-CN": "此屏幕已解除配对，请先重新配对。",
  },
  "screen.notConnected": {
    en: "The screen is not connected now; try again once it shows as online.",
    "zh-CN": "屏幕当前未连接，请在其显示为在线后重试。",
  },
  "screen.revokedUnchangeable": {
    en: "A revoked screen cannot be changed; pair it again.",
    "zh-CN": "已撤销的屏幕不能修改，请重新配对。",
  },
  "screen.revokedUntaggable": {
    en: "A revoked screen cannot be tagged; pair it again.",
    "zh-CN": "已撤销的屏幕不能添加标签，请重新配对。",
  },
  "screen.changedMeanwhile": {
    en: "The screen was moved or unpaired meanwhile; reload it and try again.",
    "zh-CN": "屏幕在此期间已被移动或解除配对，请刷新后重试。",
  },
  "screen.alreadyUnpaired": {
    en: "This screen is already unpaired.",
    "zh-CN": "此屏幕已解除配对。",
  },
  "screen.revokedNoToken": {
    en: "A revoked screen has no token to rotate.",
    "zh-CN": "已撤销的屏幕没有可更换的令牌。",
  },
  "screen.offlineForRotation": {
    en: "The screen is offline; rotate its token while it is connected, or unpair it.",
    "zh-CN": "屏幕离线；请在其连接时更换令牌，或解除配对。",
  },
  "screen.tokenShared": {
    en: "The screen's token is in use by {connections} connections, so it may have leaked; the screen was unpaired and must be paired again.",
    "zh-CN": "屏幕的令牌正被 {connections} 个连接使用，可能已泄露；屏幕已解除配对，须重新配对。",
  },
  "screenshot.notFound": {
    en: "No screen picture has the id {id}.",
    "zh-CN": "没有 ID 为 {id} 的屏幕画面。",
  },
  "screenshot.notWaiting": {
    en: "No picture request {id} is waiting for this screen.",
    "zh-CN": "没有等待此屏幕回应的画面请求 {id}。",
  },
  "screenshot.alreadyAnswered": {
    en: "This picture request was already answered, or its two minutes have passed.",
    "zh-CN": "此画面请求已得到回应，或已超过两分钟时限。",
  },
  "screenshot.wrongType": {
    en: "Send the picture as image/png or image/jpeg.",
    "zh-CN": "请以 image/png 或 image/jpeg 格式发送画面。",
  },
  "screenshot.tooLarge": {
    en: "A screen picture may be at most 4 MB.",
    "zh-CN": "屏幕画面最大为 4 MB。",
  },
  "screenshot.notImage": {
    en: "The upload is not a readable PNG or JPEG image.",
    "zh-CN": "上传的内容不是可读取的 PNG 或 JPEG 图片。",
  },
  "screenshot.badSize": {
    en: "The picture is {width}×{height} pixels; each side must be from 16 to {max}.",
    "zh-CN": "画面为 {width}×{height} 像素；每边须在 16 到 {max} 之间。",
  },
  "screenshot.noImage": {
    en: "This picture request has no picture; it is {state}.",
    "zh-CN": "此画面请求没有画面；其状态为“{state}”。",
  },
  "socket.tooManyHandshakes": {
    en: "Too many connection attempts from this address; try again in {seconds} s.",
    "zh-CN": "此地址的连接尝试过多，请 {seconds} 秒后重试。",
  },
  "socket.tooManyUnpairedFromAddress": {
    en: "This address already has {limit} unpaired screens connected; pair or close one, or try again in {seconds} s.",
    "zh-CN": "此地址已连接 {limit} 个未配对的屏幕；请先配对或关闭其中一个，或 {seconds} 秒后重试。",
  },
  "socket.tooManyUnpaired": {
    en: "The server has as many unpaired screens connected as it takes; try again in {seconds} s.",
    "zh-CN": "服务器连接的未配对屏幕已达上限，请 {seconds} 秒后重试。",
  },
  "socket.tooManyEvents": {
    en: "Too many {event} events from this connection; try again in {seconds} s.",
    "zh-CN": "此连接发送的 {event} 事件过多，请 {seconds} 秒后重试。",
  },
  "socket.consoleSendsNothing": {
    en: "The console connection only receives; the server takes no {event} event from it.",
    "zh-CN": "控制台连接只接收消息；服务器不接受其发送的 {event} 事件。",
  },
  "socket.notPaired": {
    en: "This kiosk is not paired; request a pairing code first.",
    "zh-CN": "此屏幕尚未配对，请先申请配对码。",
  },
  "socket.alreadyPaired": { en: "This kiosk is already paired.", "zh-CN": "此屏幕已配对。" },
  "socket.busy": {
    en: "The server is busy with other screens; try again in {seconds} s.",
    "zh-CN": "服务器正忙于其他屏幕，请 {seconds} 秒后重试。",
  },
  "socket.lookupFailed": {
    en: "The server could not check this screen's token just now; try again in {seconds} s.",
    "zh-CN": "服务器暂时无法核验此屏幕的令牌，请 {seconds} 秒后重试。",
  },
  "socket.invalidToken": {
    en: "This device token is not valid; pair the kiosk again.",
    "zh-CN": "此设备令牌无效，请重新配对屏幕。",
  },
  "socket.consoleOnKioskNamespace": {
    en: "Console sockets connect to the console namespace; reload the console.",
    "zh-CN": "控制台连接应使用控制台命名空间，请刷新控制台。",
  },
  "socket.consoleOrigin": {
    en: "Console sockets are accepted only from the console served by this server.",
    "zh-CN": "只接受来自本服务器所提供控制台的控制台连接。",
  },
  "socket.signInFirst": { en: "Sign in to the console first.", "zh-CN": "请先登录控制台。" },
  "socket.sessionEnded": {
    en: "Your session has ended; sign in again.",
    "zh-CN": "您的会话已结束，请重新登录。",
  },
  "socket.misdirected": {
    en: "This server answers only as {origin}; use that address.",
    "zh-CN": "本服务器只以 {origin} 提供服务，请使用该地址。",
  },
  "request.notJson": {
    en: "Send the request body as application/json (or multipart/form-data where a file is uploaded).",
    "zh-CN": "请以 application/json 格式发送请求内容（上传文件时用 multipart/form-data）。",
  },
  "request.wrongHost": {
    en: "This server answers only as {origin}; use that address.",
    "zh-CN": "本服务器只接受经由 {origin} 的访问，请改用该地址。",
  },
  "request.invalidField": {
    en: "The {what} is not valid ({field}: {problem}).",
    "zh-CN": "提交的{what}中，“{field}”一项不符合要求。",
  },
  "request.invalid": {
    en: "The {what} is not valid (it is malformed).",
    "zh-CN": "提交的{what}格式有误。",
  },
  "request.invalidEvent": {
    en: "The {event} event is not valid ({field}: {problem}).",
    "zh-CN": "{event} 事件中，“{field}”一项不符合要求。",
  },
  "request.invalidDate": {
    en: '"{name}" must be an ISO 8601 date (2024-05-01) or instant (2024-05-01T08:00:00Z).',
    "zh-CN": "“{name}”必须是 ISO 8601 日期（2024-05-01）或时刻（2024-05-01T08:00:00Z）。",
  },
  "request.malformedHttp": {
    en: "The request is not well-formed HTTP (its headers contradict each other or cannot be read).",
    "zh-CN": "该请求不是格式正确的 HTTP 请求（请求头相互矛盾或无法读取）。",
  },
  "request.headersTooLarge": {
    en: "The request's headers (or its address) are too large.",
    "zh-CN": "请求头（或请求地址）过大。",
  },
  "request.tooSlow": {
    en: "The request was sent too slowly and was cut off; send it again.",
    "zh-CN": "请求发送过慢，已被中断，请重新发送。",
  },
  "storage.full": {
    en: "The server's disk is full; nothing was saved. Free space on the server, then try again.",
    "zh-CN": "服务器磁盘已满，未保存任何内容。请在服务器上释放空间后重试。",
  },
  "storage.unwritable": {
    en: "The server cannot write to its data folder (the disk is read-only or failing); nothing was saved. Reading still works.",
    "zh-CN": "服务器无法写入其数据文件夹（磁盘只读或出现故障），未保存任何内容。读取仍可正常使用。",
  },
  "metrics.off": {
    en: "Metrics are off; set SIGNAGE_METRICS_TOKEN or SIGNAGE_METRICS_ALLOW.",
    "zh-CN": "运行指标未开启；请设置 SIGNAGE_METRICS_TOKEN 或 SIGNAGE_METRICS_ALLOW。",
  },
  "metrics.addressNotAllowed": {
    en: "Metrics are served only to the addresses in SIGNAGE_METRICS_ALLOW.",
    "zh-CN": "运行指标只提供给 SIGNAGE_METRICS_ALLOW 中列出的地址。",
  },
  "metrics.tokenMissing": {
    en: "Send the metrics token as Authorization: Bearer <SIGNAGE_METRICS_TOKEN>.",
    "zh-CN": "请以 Authorization: Bearer <SIGNAGE_METRICS_TOKEN> 的形式发送指标令牌。",
  },
  "metrics.tokenWrong": { en: "That metrics token is not valid.", "zh-CN": "该指标令牌无效。" },
  "upload.notMultipart": {
    en: "The upload is not a valid multipart/form-data request.",
    "zh-CN": "上传的内容不是有效的 multipart/form-data 请求。",
  },
  "upload.unexpectedField": {
    en: 'The form field "{name}" is not expected here.',
    "zh-CN": "此处不接受表单字段“{name}”。",
  },
  "upload.fieldTooLong": {
    en: 'The form field "{name}" is too long.',
    "zh-CN": "表单字段“{name}”过长。",
  },
  "upload.unexpectedFile": {
    en: 'The file field "{name}" is not expected here.',
    "zh-CN": "此处不接受文件字段“{name}”。",
  },
  "upload.oneFileOnly": {
    en: 'Send only one file in "{name}".',
    "zh-CN": "“{name}”中只能发送一个文件。",
  },
  "upload.fileTooLarge": {
    en: 'The file "{file}" is larger than {megabytes} MB.',
    "zh-CN": "文件“{file}”超过 {megabytes} MB。",
  },
  "upload.tooManyParts": { en: "The upload has too many parts.", "zh-CN": "上传内容的部分过多。" },
  "upload.tooManyFiles": { en: "The upload has too many files.", "zh-CN": "上传的文件过多。" },
  "upload.tooManyFields": { en: "The upload has too many fields.", "zh-CN": "上传的字段过多。" },
  "upload.malformed": {
    en: "The upload is malformed or was cut off.",
    "zh-CN": "上传的内容格式有误，或没有传完。",
  },
  "upload.cutOff": { en: "The upload was cut off.", "zh-CN": "上传的内容没有传完。" },
  "session.signInFirst": {
    en: "Sign in first; your session may have ended.",
    "zh-CN": "请先登录；您的会话可能已经结束。",
  },
  "session.passwordChangeRequired": {
    en: "Change your one-time password first (POST /api/auth/password).",
    "zh-CN": "请先修改您的一次性密码（POST /api/auth/password）。",
  },
  "session.originMissing": {
    en: "A request that changes something must carry an Origin header naming this server.",
    "zh-CN": "会修改数据的请求必须带有指明本服务器的 Origin 请求头。",
  },
  "session.originRefused": {
    en: "Requests from {origin} are not accepted; use the console served by this server.",
    "zh-CN": "不接受来自 {origin} 的请求；请使用本服务器提供的控制台。",
  },
  "access.needsRole": {
    en: "This needs {roles}.",
    "zh-CN": "此操作需要{roles}权限。",
  },
  "access.needsRoleCity": {
    en: "{what} needs {roles} of the whole city.",
    "zh-CN": "{what}需要全市范围的{roles}权限。",
  },
  "access.needsRoleDistrict": {
    en: 'This needs {roles} of district "{district}".',
    "zh-CN": "此操作需要辖区“{district}”的{roles}权限。",
  },
  "access.announcementDistricts": {
    en: "This announcement targets districts you do not hold.",
    "zh-CN": "此公告的投放辖区超出了您负责的范围。",
  },
  "access.emergencyDistricts": {
    en: "This notice is not shown in your districts.",
    "zh-CN": "此通知不在您负责的辖区内显示。",
  },
  "access.entryDistricts": {
    en: "This entry belongs to districts you do not hold.",
    "zh-CN": "此条目所属的辖区不在您负责的范围内。",
  },
  "access.userOutsideDistricts": {
    en: "This user holds roles outside the districts you administer.",
    "zh-CN": "此用户在您管理的辖区之外也有角色。",
  },
  "auth.setupDone": {
    en: "Set-up is done: a user already exists. Sign in.",
    "zh-CN": "首次设置已经完成：系统中已有用户。请登录。",
  },
  "auth.setupTokenWrong": {
    en: "That set-up token is wrong; copy it from the server's log or run signage setup-token on the server.",
    "zh-CN": "设置令牌不对；请从服务器日志中复制，或在服务器上运行 signage setup-token 查看。",
  },
  "auth.wrongPassword": {
    en: "The email or password is wrong.",
    "zh-CN": "电子邮箱或密码不正确。",
  },
  "auth.wrongCurrentPassword": {
    en: "The current password is wrong.",
    "zh-CN": "当前密码不正确。",
  },
  "auth.samePassword": {
    en: "Choose a new password, not the current one.",
    "zh-CN": "请设置一个新密码，不要沿用当前密码。",
  },
  "auth.tooManyPasswordChecks": {
    en: "Too many wrong current passwords; try again in {waitSeconds}.",
    "zh-CN": "当前密码输错次数过多；请在 {waitSeconds}后重试。",
  },
  "auth.tooManyFromAddress": {
    en: "Too many failed sign-ins from your address; try again in {waitSeconds}.",
    "zh-CN": "您所在地址的登录失败次数过多；请在 {waitSeconds}后重试。",
  },
  "auth.tooManyForAccount": {
    en: "Too many failed sign-ins for this account; try again in {waitSeconds}.",
    "zh-CN": "此账户的登录失败次数过多；请在 {waitSeconds}后重试。",
  },
  "user.changeOwnPassword": {
    en: "Change your own password with POST /api/auth/password.",
    "zh-CN": "修改自己的密码请使用 POST /api/auth/password。",
  },
  "user.emailTaken": {
    en: "A user with the email {email} already exists.",
    "zh-CN": "电子邮箱为 {email} 的用户已经存在。",
  },
  "user.notFound": { en: "No user has the id {id}.", "zh-CN": "找不到 ID 为 {id} 的用户。" },
  "user.notYourself": {
    en: "You cannot disable yourself or change your own roles; ask another admin.",
    "zh-CN": "您不能停用自己的账户，也不能修改自己的角色；请找另一位管理员。",
  },
  "district.notFound": {
    en: 'No district has the id "{id}".',
    "zh-CN": "找不到 ID 为“{id}”的辖区。",
  },
  "district.tooDeep": {
    en: "The district tree is deeper than 16 levels.",
    "zh-CN": "辖区层级超过了 16 级。",
  },
  "district.exists": {
    en: 'A district with the id "{id}" already exists.',
    "zh-CN": "ID 为“{id}”的辖区已经存在。",
  },
  "district.parentMissing": {
    en: 'The parent district "{id}" does not exist.',
    "zh-CN": "上级辖区“{id}”不存在。",
  },
  "district.idFixed": {
    en: "A district's id cannot be changed.",
    "zh-CN": "辖区的 ID 不能修改。",
  },
  "district.cycle": {
    en: 'Moving "{id}" under "{parentId}" would make a cycle in the district tree.',
    "zh-CN": "把“{id}”移到“{parentId}”之下会使辖区层级形成循环。",
  },
  "district.unknown": {
    en: "Unknown district(s): {ids}. Create them first.",
    "zh-CN": "以下辖区不存在：{ids}。请先创建。",
  },
  "entry.notFound": { en: "No entry has the id {id}.", "zh-CN": "找不到 ID 为 {id} 的条目。" },
  "entry.formNeedsEntry": {
    en: 'The form needs an "entry" field holding the entry as JSON.',
    "zh-CN": "表单需要一个“entry”字段，内容为 JSON 格式的条目。",
  },
  "entry.entryFieldNotJson": {
    en: 'The "entry" field is not valid JSON.',
    "zh-CN": "“entry”字段不是有效的 JSON。",
  },
  "entry.noRendition": {
    en: "This entry has no verified {variant} rendition.",
    "zh-CN": "此条目没有经过核验的{variant}版本。",
  },
  "entry.renditionErased": {
    en: "This entry's listing has ended; its redacted photo was erased with its raw data.",
    "zh-CN": "此条目的公示已经结束，遮盖后的照片已随原始数据一并清除。",
  },
  "entry.photoNotMultipart": {
    en: 'Send the photo as multipart/form-data in a "photo" part.',
    "zh-CN": "请以 multipart/form-data 格式，在“photo”部分中发送照片。",
  },
  "entry.formNeedsPhoto": {
    en: 'The form needs the new photo in a "photo" part.',
    "zh-CN": "表单的“photo”部分中需要有新照片。",
  },
  "entry.expiryPassed": {
    en: "The expiry date {date} has passed; an expired entry cannot be listed.",
    "zh-CN": "截止日期 {date} 已过；已过期的条目不能发布。",
  },
  "entry.expiryPassedShort": {
    en: "The expiry date {date} has passed.",
    "zh-CN": "截止日期 {date} 已过。",
  },
  "entry.expiryBeforeListing": {
    en: "The expiry date must be after the listing date.",
    "zh-CN": "截止日期必须晚于公布日期。",
  },
  "entry.duplicateCase": {
    en: "Case {caseNumber} at {court} is already listed (entry {id}).",
    "zh-CN": "{court}的案件 {caseNumber} 已经在列（条目 {id}）。",
  },
  "entry.duplicateCaseShort": {
    en: "Case {caseNumber} at {court} is already listed.",
    "zh-CN": "{court}的案件 {caseNumber} 已经在列。",
  },
  "entry.unchangeableState": {
    en: "This entry is {state}; it cannot be changed.",
    "zh-CN": "此条目的状态为“{state}”，不能再修改。",
  },
  "entry.personalData": {
    en: "The {field} carries {found}. Street screens show this text beside the masked name: remove it, or mask it (张某, 138****8000).",
    "zh-CN":
      "{field}中含有个人信息（被列入者或法定代表人的全名、身份证号、统一社会信用代码、手机号、护照号，或紧挨着号码、写在“当事人”“联系人”等之后的姓名）。街头屏幕会在遮盖后的姓名旁显示这段文字，请删除或加以遮盖（如“张某”“138****8000”）。",
  },
  "entry.reasonPersonalData": {
    en: "The reason is kept in the entry's record and the audit log for good, even after the listing ends and its personal data is erased, so it must not hold personal data. {found} Remove it, or mask it (张某, 138****8000).",
    "zh-CN":
      "理由会永久保存在条目记录和审计日志中，列入结束、个人信息被删除后也不会清除，因此理由中不能含有个人信息（被列入者或法定代表人的全名、身份证号、手机号，或紧挨着号码的姓名）。请删除，或加以遮盖（如“张某”“138****8000”）。",
  },
  "entry.dueProcessMissing": {
    en: "A list slide must say why the entry is listed and on what legal basis; this entry has no {fields}. Add it, and have the change reviewed.",
    "zh-CN": "名单幻灯片须写明列入理由和法律依据；此条目缺少{fields}。请补充，并将修改送交审核。",
  },
  "entry.rawDataErased": {
    en: "This entry's raw data was erased; it cannot be changed.",
    "zh-CN": "此条目的原始数据已被清除，不能再修改。",
  },
  "entry.changedMeanwhileReviewed": {
    en: "This entry changed meanwhile (it was reviewed, revoked or expired); nothing was changed. Open it again.",
    "zh-CN": "此条目在此期间已有变化（已审核、已撤下或已过期），本次未作任何修改。请重新打开。",
  },
  "entry.staleRevision": {
    en: "This entry changed after you opened it (revision {seen}, now {now}); look at it again before approving.",
    "zh-CN":
      "您打开此条目之后它又被修改过（您看到的是第 {seen} 版，现在是第 {now} 版）；请重新查看后再批准。",
  },
  "entry.staleRevisionFields": {
    en: "This entry changed after you opened it (revision {seen}, now {now}; changed: {fields}); look at it again before approving.",
    "zh-CN":
      "您打开此条目之后它又被修改过（您看到的是第 {seen} 版，现在是第 {now} 版，改动：{fields}）；请重新查看后再批准。",
  },
  "entry.youCreated": {
    en: "You created this entry; another moderator must review it.",
    "zh-CN": "此条目由您创建，须由另一位审核员审核。",
  },
  "entry.youSubmitted": {
    en: "You made the last change to this entry; another moderator must review it.",
    "zh-CN": "此条目的最后一次修改是您做的，须由另一位审核员审核。",
  },
  "entry.youChanged": {
    en: "You changed this entry since it was last approved; another moderator must review it.",
    "zh-CN": "此条目上次批准之后您修改过它，须由另一位审核员审核。",
  },
  "entry.notPendingApprove": {
    en: "This entry is {state}; only an entry pending review can be approved.",
    "zh-CN": "此条目的状态为“{state}”；只有待审核的条目才能批准。",
  },
  "entry.notPendingReject": {
    en: "This entry is {state}; only an entry pending review can be rejected.",
    "zh-CN": "此条目的状态为“{state}”；只有待审核的条目才能驳回。",
  },
  "entry.photoRedacting": {
    en: "The photo is still being redacted; approve it when the redacted rendition is ready.",
    "zh-CN": "照片仍在遮盖处理中；请等遮盖后的版本生成后再批准。",
  },
  "entry.photoUnverified": {
    en: "The photo has no verified redaction; mark the face regions so it is re-rendered, then approve.",
    "zh-CN": "照片的遮盖尚未通过核验；请标出人脸区域以重新生成，然后再批准。",
  },
  "entry.expiresToday": {
    en: "This entry expires on {date}; it cannot be published.",
    "zh-CN": "此条目于 {date} 到期，不能发布。",
  },
  "entry.objectionHolds": {
    en: "An objection (reference {reference}) holds this entry off the screens: decide the objection first (dismiss it, or forward it to the court), then approve.",
    "zh-CN":
      "一项异议（编号 {reference}）使此条目暂停展示：请先处理该异议（驳回，或转交法院），再批准。",
  },
  "entry.changedWhileReviewing": {
    en: "The entry changed while you were reviewing it; look at it again.",
    "zh-CN": "您审核期间此条目被修改过；请重新查看。",
  },
  "entry.notClean": {
    en: "Only clean entries (a verified photo with faces, nothing flagged) are approved in bulk; review this one alone.",
    "zh-CN":
      "只有没有任何问题的条目（照片已核验、人脸已遮盖、无任何标记）才能批量批准；请单独审核此条目。",
  },
  "entry.changedMeanwhile": {
    en: "This entry changed meanwhile; look at it again.",
    "zh-CN": "此条目在此期间有变化；请重新查看。",
  },
  "entry.noPhotoToMark": {
    en: "This entry has no photo to mark regions on.",
    "zh-CN": "此条目没有可标注区域的照片。",
  },
  "entry.noPhotoToCrop": {
    en: "This entry has no photo to crop.",
    "zh-CN": "此条目没有可裁剪的照片。",
  },
  "entry.noPhotoToCover": {
    en: "This entry has no photo to cover.",
    "zh-CN": "此条目没有可遮盖的照片。",
  },
  "entry.rawPhotoDeleted": {
    en: "This entry is {state}; its raw photo was deleted.",
    "zh-CN": "此条目{state}，原始照片已删除。",
  },
  "entry.noRawPhoto": { en: "This entry has no raw photo.", "zh-CN": "此条目没有原始照片。" },
  "entry.rawPhotoErased": {
    en: "This entry's raw photo was erased.",
    "zh-CN": "此条目的原始照片已被清除。",
  },
  "entry.alreadyExpired": {
    en: "This entry has already ended: it expired, and its raw data was erased; there is nothing left to revoke.",
    "zh-CN": "此条目已经结束：它已过期，原始数据也已清除，没有可撤下的内容了。",
  },
  "entry.alreadyRevoked": {
    en: "This entry has already ended: it was revoked, and its raw data was erased.",
    "zh-CN": "此条目已经结束：它已被撤下，原始数据也已清除。",
  },
  "photo.tooLarge": {
    en: "The photo {name} is larger than 15 MB.",
    "zh-CN": "照片 {name} 超过 15 MB。",
  },
  "photo.archiveUnusable": {
    en: "The photo archive is not usable: {why}.",
    "zh-CN": "照片压缩包无法使用：文件可能已损坏，或不是 ZIP 格式。",
  },
  "photo.archivePhotoTooLarge": {
    en: "The photo {name} in the archive is larger than 15 MB.",
    "zh-CN": "压缩包中的照片 {name} 超过 15 MB。",
  },
  "photo.archiveTooLarge": {
    en: "The photo archive inflates to more than its limits.",
    "zh-CN": "照片压缩包解压后超出了大小限制。",
  },
  "kiosk.tokenMissing": {
    en: "Send the screen's device token as a Bearer token.",
    "zh-CN": "请以 Bearer 令牌的形式发送屏幕的设备令牌。",
  },
  "kiosk.noPosters": { en: "This server serves no posters.", "zh-CN": "本服务器不提供海报。" },
  "kiosk.posterNotShown": {
    en: "No poster with this hash is shown on this screen.",
    "zh-CN": "此屏幕上没有显示该哈希值对应的海报。",
  },
  "kiosk.noRendition": {
    en: "No picture has this hash (never, or no longer: its listing ended and it was erased); forget it.",
    "zh-CN": "没有与该哈希值对应的图片（从未有过，或其公示已结束并已删除）；请将其丢弃。",
  },
  "kiosk.pictureNotShown": {
    en: "This picture is no longer shown on this screen.",
    "zh-CN": "此图片已不在这块屏幕上显示。",
  },
  "kiosk.pictureRemoved": { en: "This picture was just removed.", "zh-CN": "此图片刚刚被移除。" },
  // Kiosk app releases and their update feed (issue 21 item 3).
  "release.noStorage": {
    en: "This server keeps no kiosk release files.",
    "zh-CN": "本服务器未保存终端版本文件。",
  },
  "release.badFileName": {
    en: "The file name {fileName} is not usable: use letters, digits, '.', '-' and '_' only.",
    "zh-CN": "文件名 {fileName} 不可用：只能使用字母、数字、“.”、“-”和“_”。",
  },
  "release.noVersion": {
    en: "The file name {fileName} holds no version such as 1.4.0; give one with --version.",
    "zh-CN": "文件名 {fileName} 中没有 1.4.0 这样的版本号；请用 --version 指定。",
  },
  "release.notesTooLong": {
    en: "The release notes are longer than 4,000 characters.",
    "zh-CN": "版本说明超过 4000 个字符。",
  },
  "release.fileUnreadable": {
    en: "The file {fileName} cannot be read.",
    "zh-CN": "无法读取文件 {fileName}。",
  },
  "release.fileTooLarge": {
    en: "The file {fileName} is larger than 1 GB; it is not a kiosk installer.",
    "zh-CN": "文件 {fileName} 超过 1 GB，不是终端安装包。",
  },
  "release.notInstaller": {
    en: "The file {fileName} is not an AppImage, deb or exe installer (by its extension and its first bytes).",
    "zh-CN": "文件 {fileName} 不是 AppImage、deb 或 exe 安装包（按扩展名和文件开头字节判断）。",
  },
  "release.exists": {
    en: "Version {version} of channel {channel} has already been added.",
    "zh-CN": "渠道 {channel} 的版本 {version} 已经添加过。",
  },
  "release.fileNameTaken": {
    en: "The file name {fileName} is already used by version {version} of this channel.",
    "zh-CN": "文件名 {fileName} 已被本渠道的版本 {version} 使用。",
  },
  "release.unknown": {
    en: "Channel {channel} has no version {version}; add it first.",
    "zh-CN": "渠道 {channel} 没有版本 {version}；请先添加。",
  },
  "release.stageNotNewer": {
    en: "Version {version} is not newer than {released}, which channel {channel} already offers every screen.",
    "zh-CN": "版本 {version} 并不比渠道 {channel} 已向所有屏幕提供的 {released} 更新。",
  },
  "release.alreadyReleased": {
    en: "Channel {channel} already offers version {version} to every screen.",
    "zh-CN": "渠道 {channel} 已向所有屏幕提供版本 {version}。",
  },
  "release.nothingToRollBack": {
    en: "Channel {channel} has no previous release to go back to.",
    "zh-CN": "渠道 {channel} 没有可以回退到的上一个版本。",
  },
  "release.unknownFeedFile": {
    en: "The update feed has no file {name}.",
    "zh-CN": "更新源中没有文件 {name}。",
  },
  "release.noneOffered": {
    en: "Channel {channel} offers this screen no release yet.",
    "zh-CN": "渠道 {channel} 尚未向此屏幕提供任何版本。",
  },
  "release.fileNotOffered": {
    en: "The release file {name} is not the one this screen is offered.",
    "zh-CN": "版本文件 {name} 不是提供给此屏幕的文件。",
  },
  "announcement.notFound": {
    en: "No announcement has the id {id}.",
    "zh-CN": "找不到 ID 为 {id} 的公告。",
  },
  "announcement.endBeforeStart": {
    en: "An announcement must end after it starts.",
    "zh-CN": "公告的结束时间必须晚于开始时间。",
  },
  "announcement.onlyDraftToReview": {
    en: "Only a draft can be sent to review; this one is {state}.",
    "zh-CN": "只有草稿才能送审；此公告的状态为“{state}”。",
  },
  "announcement.posterNeedsReview": {
    en: "Faces were found and covered on the poster: a moderator must confirm the covered poster before approval.",
    "zh-CN": "海报上发现了人脸并已遮盖：批准之前须由审核员确认遮盖后的海报。",
  },
  "announcement.posterFailed": {
    en: "The poster could not be made safe ({why}); replace or remove it.",
    "zh-CN": "海报未能完成安全处理；请更换或删除海报。",
  },
  "announcement.posterProcessing": {
    en: "The poster is still being checked for faces; approve when it is done.",
    "zh-CN": "海报仍在进行人脸检查；请等检查完成后再批准。",
  },
  "announcement.posterNotNamed": {
    en: "This announcement has a poster: an approval names the covered poster the approver looked at (posterHash); look at it and approve again.",
    "zh-CN":
      "此公告带有海报：批准时须注明审核员所看到的遮盖后海报（posterHash）；请查看海报后再批准。",
  },
  "announcement.posterNotSeen": {
    en: "The poster is not the one you looked at (it was replaced or made again since); look at it again before approving.",
    "zh-CN": "海报已不是您看到的那一张（此后被更换或重新处理过）；请重新查看后再批准。",
  },
  "announcement.endPassed": {
    en: "This announcement's end has passed; change its end first.",
    "zh-CN": "此公告的结束时间已过；请先修改结束时间。",
  },
  "announcement.alreadyInState": {
    en: "This announcement is already {state}.",
    "zh-CN": "此公告的状态已是“{state}”。",
  },
  "announcement.staleRevision": {
    en: "This announcement changed after you opened it (revision {seen}, now {now}); look at it again.",
    "zh-CN":
      "您打开此公告之后它又被修改过（您看到的是第 {seen} 版，现在是第 {now} 版）；请重新查看。",
  },
  "announcement.changedMeanwhile": {
    en: "This announcement changed meanwhile; look at it again.",
    "zh-CN": "此公告在此期间有变化；请重新查看。",
  },
  "announcement.notInReviewApprove": {
    en: "Only an announcement in review can be approved; this one is {state}.",
    "zh-CN": "只有审核中的公告才能批准；此公告的状态为“{state}”。",
  },
  "announcement.notInReviewReject": {
    en: "Only an announcement in review can be rejected; this one is {state}.",
    "zh-CN": "只有审核中的公告才能驳回；此公告的状态为“{state}”。",
  },
  "announcement.youCreatedApprove": {
    en: "You created this announcement; another moderator must approve it.",
    "zh-CN": "此公告由您创建，须由另一位审核员批准。",
  },
  "announcement.youCreatedReject": {
    en: "You created this announcement; another moderator must reject it.",
    "zh-CN": "此公告由您创建，须由另一位审核员驳回。",
  },
  "announcement.youChangedApprove": {
    en: "You changed this announcement since its last review; another moderator must approve it.",
    "zh-CN": "此公告上次审核之后您修改过它，须由另一位审核员批准。",
  },
  "announcement.youChangedReject": {
    en: "You changed this announcement since its last review; another moderator must reject it.",
    "zh-CN": "此公告上次审核之后您修改过它，须由另一位审核员驳回。",
  },
  "announcement.personalData": {
    en: "The {field}: {found}",
    "zh-CN":
      "{field}中似乎含有个人信息（身份证号、电话号码，或紧挨着这些号码的姓名）。请删除，或加以遮盖（如“张某”“138****8000”）。",
  },
  "announcement.reasonPersonalData": {
    en: "The reason is kept in the audit log for good, so it must not hold personal data. {found} Remove it, or mask it (张某, 138****8000).",
    "zh-CN":
      "理由会永久保存在审计日志中，因此不能含有个人信息（身份证号、电话号码，或紧挨着这些号码的姓名）。请删除，或加以遮盖（如“张某”“138****8000”）。",
  },
  "poster.notMultipart": {
    en: 'Send the poster as multipart/form-data in a "poster" part.',
    "zh-CN": "请以 multipart/form-data 格式，在“poster”部分中发送海报。",
  },
  "poster.formNeedsPoster": {
    en: 'The form needs the poster image in a "poster" part.',
    "zh-CN": "表单的“poster”部分中需要有海报图片。",
  },
  "poster.none": { en: "This announcement has no poster.", "zh-CN": "此公告没有海报。" },
  "poster.youUploaded": {
    en: "You uploaded or changed this poster; another moderator must accept it.",
    "zh-CN": "此海报由您上传或修改，须由另一位审核员确认。",
  },
  "poster.notAwaitingAcceptance": {
    en: "Only a poster whose faces were covered waits for acceptance; this one is {status}.",
    "zh-CN": "只有遮盖了人脸的海报才需要确认；此海报的状态为“{status}”。",
  },
  "poster.staleLook": {
    en: "The poster changed after you looked at it; look at it again.",
    "zh-CN": "您查看之后海报又有变化；请重新查看。",
  },
  "poster.changedMeanwhile": {
    en: "The poster changed meanwhile; look at it again.",
    "zh-CN": "海报在此期间有变化；请重新查看。",
  },
  "poster.uploadErased": {
    en: "The poster's upload was erased when the announcement was withdrawn or ended; upload the poster again.",
    "zh-CN": "公告撤回或结束时，上传的海报原件已被清除；请重新上传海报。",
  },
  "poster.stillProcessing": {
    en: "The poster is still being processed; mark regions once it is done.",
    "zh-CN": "海报仍在处理中；请等处理完成后再标注区域。",
  },
  "poster.noRedacted": {
    en: "This announcement has no redacted poster to show yet.",
    "zh-CN": "此公告还没有可显示的遮盖后海报。",
  },
  "district.changedMeanwhile": {
    en: "Someone approved this district's settings while you were saving; load the district again and save your change.",
    "zh-CN": "您保存时，他人批准了此辖区的设置；请重新加载辖区后再保存修改。",
  },
  "district.settingsChanged": {
    en: "The district's contest line or emergency setting is not what you looked at (it was changed since); look at it again before approving.",
    "zh-CN": "辖区的纠错说明或紧急通知设置已不是您看到的内容（此后已被修改）；请重新查看后再批准。",
  },
  "district.settingsYours": {
    en: "You saved this district's settings since their last approval; another moderator must approve them.",
    "zh-CN": "您在上次批准后保存过此辖区的设置，须由另一位审核员批准。",
  },
  "district.settingsApproved": {
    en: "This district's contest line and emergency setting are approved already; they apply as saved.",
    "zh-CN": "此辖区的纠错说明和紧急通知设置已获批准，正按保存的内容生效。",
  },
  "schedule.noIdleSlide": {
    en: "The schedule of district {id} has no idle slide of its own to approve.",
    "zh-CN": "辖区 {id} 的排期没有自己的空闲页，无需批准。",
  },
  "schedule.idleSlideChanged": {
    en: "The idle slide is not the one you looked at (it was changed since); look at it again before approving.",
    "zh-CN": "空闲页已不是您看到的内容（此后已被修改）；请重新查看后再批准。",
  },
  "schedule.idleSlideApproved": {
    en: "This idle slide is approved already; its screens show it.",
    "zh-CN": "此空闲页已获批准，屏幕正在显示。",
  },
  "schedule.idleSlideYours": {
    en: "You saved this idle slide since its last approval; another moderator must approve it.",
    "zh-CN": "您在上次批准后保存过此空闲页，须由另一位审核员批准。",
  },
  "schedule.personalData": {
    en: "An idle slide is shown to the street: it must not hold what looks like personal data. {found} Remove it, or mask it (张某, 138****8000).",
    "zh-CN":
      "空闲画面面向街头展示：其中不得含有个人信息（身份证号、电话号码，或紧挨着这些号码的姓名）。请删除，或加以遮盖（如“张某”“138****8000”）。",
  },
  "emergency.personalData": {
    en: "This text must not go to street screens: it holds what looks like personal data. {found} Remove it, or mask it (张某, 138****8000).",
    "zh-CN":
      "此文字不能显示在街头屏幕上：其中似乎含有个人信息（身份证号、电话号码，或紧挨着这些号码的姓名）。请删除，或加以遮盖（如“张某”“138****8000”）。",
  },
  "emergency.reasonPersonalData": {
    en: "The reason for pulling a notice is kept in the audit log for good, so it must not hold personal data. {found} Remove it, or mask it (张某, 138****8000).",
    "zh-CN":
      "撤下通知的理由会永久保存在审计日志中，因此不能含有个人信息（身份证号、电话号码，或紧挨着这些号码的姓名）。请删除，或加以遮盖（如“张某”“138****8000”）。",
  },
  "emergency.endInPast": {
    en: "An emergency notice must end in the future.",
    "zh-CN": "紧急通知的结束时间必须在将来。",
  },
  "emergency.alreadyCleared": {
    en: "This emergency notice was already cleared.",
    "zh-CN": "此紧急通知已经解除。",
  },
  "emergency.endedBeforeApproval": {
    en: "This emergency notice ended before it was approved; post a new one if it is still needed.",
    "zh-CN": "此紧急通知在批准之前就已结束；如仍需要，请重新发布一条。",
  },
  "emergency.youSentConfirm": {
    en: "You sent this emergency notice; another moderator must confirm it.",
    "zh-CN": "此紧急通知由您发出，须由另一位审核员确认。",
  },
  "emergency.youSentApprove": {
    en: "You sent this emergency notice; another moderator must approve it.",
    "zh-CN": "此紧急通知由您发出，须由另一位审核员批准。",
  },
  "emergency.youSentPull": {
    en: "You sent this emergency notice; another moderator must pull it.",
    "zh-CN": "此紧急通知由您发出，须由另一位审核员撤下。",
  },
  "emergency.notUnreviewed": {
    en: "This emergency notice is {state}; only a notice sent and not yet reviewed can be confirmed.",
    "zh-CN": "此紧急通知的状态为“{state}”；只有已发出且尚未复核的通知才能确认。",
  },
  "emergency.notAwaitingApproval": {
    en: "This emergency notice is {state}; only a notice waiting for approval can be approved.",
    "zh-CN": "此紧急通知的状态为“{state}”；只有等待批准的通知才能批准。",
  },
  "emergency.notOnScreens": {
    en: "This emergency notice is {state}; it is no longer on the screens.",
    "zh-CN": "此紧急通知的状态为“{state}”，已不在屏幕上显示。",
  },
  "emergency.clearedNotSent": {
    en: "Someone cleared this emergency notice meanwhile (at {clearedAt}); it is not sent. Reload and look again.",
    "zh-CN": "此期间有人解除了这条紧急通知（{clearedAt}），通知未发出。请刷新后重新查看。",
  },
  "emergency.clearedNothingToPull": {
    en: "Someone cleared this emergency notice meanwhile (at {clearedAt}); there is nothing left to pull. Reload and look again.",
    "zh-CN": "此期间有人解除了这条紧急通知（{clearedAt}），已没有可撤下的内容。请刷新后重新查看。",
  },
  "emergency.notFound": {
    en: "No emergency notice has the id {id}.",
    "zh-CN": "找不到 ID 为 {id} 的紧急通知。",
  },
  "emergency.reviewedMeanwhile": {
    en: "Someone reviewed or cleared this emergency notice meanwhile; reload and look again.",
    "zh-CN": "此期间有人复核或解除了这条紧急通知；请刷新后重新查看。",
  },
  "objection.tooLarge": { en: "The objection is too large.", "zh-CN": "异议内容过大。" },
  "objection.unreadable": {
    en: "The objection could not be read.",
    "zh-CN": "无法读取异议内容。",
  },
  "objection.notForm": {
    en: "Send the objection as a form (multipart/form-data or urlencoded) or as JSON.",
    "zh-CN": "请以表单（multipart/form-data 或 urlencoded）或 JSON 格式提交异议。",
  },
  "objection.wrongPage": {
    en: "An objection must be sent from the notice page on this server.",
    "zh-CN": "异议必须从本服务器上的公示页面提交。",
  },
  "objection.noPicture": { en: "No picture at this address.", "zh-CN": "此地址没有图片。" },
  "objection.noNotice": { en: "No notice at this address.", "zh-CN": "此地址没有公示内容。" },
  "objection.invalid": {
    en: "The objection is not valid ({problems}).",
    "zh-CN": "异议内容不符合要求，请检查填写的各项。",
  },
  "objection.noReference": {
    en: "No objection has this reference here.",
    "zh-CN": "这里没有该编号的异议。",
  },
  "objection.notFound": {
    en: "No objection has the id {id}.",
    "zh-CN": "找不到 ID 为 {id} 的异议。",
  },
  "objection.documentTooLarge": {
    en: "The document is larger than 5 MB.",
    "zh-CN": "文件超过 5 MB。",
  },
  "objection.pdfDamaged": {
    en: "The PDF is incomplete or damaged.",
    "zh-CN": "该 PDF 文件不完整或已损坏。",
  },
  "objection.documentType": {
    en: "Attach a photo (JPEG, PNG or WebP) or a PDF document.",
    "zh-CN": "请附上照片（JPEG、PNG 或 WebP）或 PDF 文件。",
  },
  "objection.tooManyFromAddress": {
    en: "Too many objections from your address; try again in {minutes} minutes.",
    "zh-CN": "您所在地址提交的异议过多；请在 {minutes} 分钟后重试。",
  },
  "objection.busy": {
    en: "Many objections are arriving; try again in a minute.",
    "zh-CN": "目前提交的异议很多；请一分钟后重试。",
  },
  "objection.listingEnded": {
    en: "This listing has ended; there is nothing to object to.",
    "zh-CN": "此公示已经结束，无需再提出异议。",
  },
  "objection.tooManyForListing": {
    en: "This listing has received many objections today; try again tomorrow or use the contact shown.",
    "zh-CN": "此公示今天已收到大量异议；请明天再试，或使用页面上的联系方式。",
  },
  "objection.noDocument": {
    en: "This objection has no document.",
    "zh-CN": "此异议没有附件。",
  },
  "objection.dataErased": {
    en: "This objection's data was erased.",
    "zh-CN": "此异议的数据已被清除。",
  },
  "objection.nothingToSuspend": {
    en: "This listing has already ended; there is nothing to suspend. Dismiss or forward the objection.",
    "zh-CN": "此公示已经结束，没有可暂停的内容。请驳回或转交此异议。",
  },
  "objection.entryChanged": {
    en: "The entry changed meanwhile; look at it again.",
    "zh-CN": "该条目在此期间有变化；请重新查看。",
  },
  "objection.decidedMeanwhile": {
    en: "This objection was decided meanwhile; look at it again.",
    "zh-CN": "此异议在此期间已被处理；请重新查看。",
  },
  "objection.personalData": {
    en: "The reason for a dismissal is shown on the public status page, so it must not hold personal data. {found} Remove it, or mask it (张某, 138****8000).",
    "zh-CN":
      "驳回理由会显示在公开的进度页面上，因此不能含有个人信息（身份证号、电话号码，或紧挨着这些号码的姓名）。请删除，或加以遮盖（如“张某”“138****8000”）。",
  },
  "objection.alreadyDecided": {
    en: "This objection is already {state}; it cannot be {wanted}.",
    "zh-CN": "此异议的状态已是“{state}”，不能再改为“{wanted}”。",
  },
  // The audit chain (server/services/AuditLog): a server or command holding another master key.
  "audit.keyMismatch": {
    en: 'The audit log is not chained under this master key, so nothing can be added to it: use the server\'s master key (SIGNAGE_MASTER_KEY or the data folder\'s master.key), after "signage rotate-key" the new one, and run "signage audit verify" to check.',
    "zh-CN":
      "审计日志不是用此主密钥链接的，因此无法向其中添加记录：请使用服务器的主密钥（SIGNAGE_MASTER_KEY 或数据目录中的 master.key），执行“signage rotate-key”之后则使用新密钥，并运行“signage audit verify”进行检查。",
  },
  "audit.keyMismatchRead": {
    en: "No record of the audit log verifies under this master key: either it is not the server's master key (SIGNAGE_MASTER_KEY or the data folder's master.key; after \"signage rotate-key\", the new one), or the log was rewritten. Run the command again with the server's master key; if it still says so, treat the log as tampered with.",
    "zh-CN":
      "审计日志中没有任何记录能用此主密钥验证：要么这不是服务器的主密钥（SIGNAGE_MASTER_KEY 或数据目录中的 master.key；执行“signage rotate-key”之后则为新密钥），要么日志已被改写。请用服务器的主密钥重新运行该命令；如果仍然如此，应视为日志已被篡改。",
  },
  "redaction.noFace": {
    en: "No face was found in the photo; a moderator must mark the areas to cover.",
    "zh-CN": "照片中没有找到人脸；须由审核员标出需要遮盖的区域。",
  },
  "redaction.verificationFailed": {
    en: "A detector still sees a face on the redacted rendition; a moderator must check it.",
    "zh-CN": "遮盖后的图片上仍有检测器认出人脸；须由审核员检查。",
  },
  "redaction.detectorError": {
    en: "The face detectors failed on this photo; a moderator must check it.",
    "zh-CN": "人脸检测器处理这张照片时出错；须由审核员检查。",
  },
  "redaction.rawPhotoGone": { en: "The raw photo is gone.", "zh-CN": "原始照片已不存在。" },
  "redaction.unverified": {
    en: "Redaction could not be verified.",
    "zh-CN": "无法核验遮盖结果。",
  },
  "redaction.failed": { en: "Redaction failed: {detail}", "zh-CN": "遮盖处理失败。" },
  "redaction.posterFacesCovered": {
    en: "Faces on the poster were covered; a moderator must look at the rendition.",
    "zh-CN": "海报上的人脸已遮盖；须由审核员查看处理后的海报。",
  },
  "redaction.posterVerificationFailed": {
    en: "A detector still sees a face on the covered poster; replace the poster or mark the faces by hand.",
    "zh-CN": "遮盖后的海报上仍有检测器认出人脸；请更换海报，或手动标出人脸。",
  },
  "redaction.posterDetectorError": {
    en: "The face detectors failed on this poster; it cannot be shown. Try again.",
    "zh-CN": "人脸检测器处理这张海报时出错，海报无法显示。请重试。",
  },
  "redaction.posterGone": { en: "The uploaded poster is gone.", "zh-CN": "上传的海报已不存在。" },
  "redaction.posterFailed": {
    en: "The poster could not be processed: {detail}",
    "zh-CN": "海报无法处理。",
  },
  "redaction.posterInterrupted": {
    en: "The server stopped while processing this poster on its last allowed attempt (of {attempts}). Replace the image.",
    "zh-CN": "服务器在处理这张海报的最后一次尝试（共 {attempts} 次）时中途停止了运行。请更换图片。",
  },
} as const satisfies Record<string, Record<Language, string>>;

/** A key of `errorMessages`: what went wrong, for programs and for the console's words. */
export type ErrorReason = keyof typeof errorMessages;
/** The values a reason's `{placeholders}` are filled with. */
export type ErrorParams = Readonly<Record<string, string | number>>;

/** A refusal worded by reason: what `said()` returns and `AppError` accepts instead of a string. */
export interface Worded {
  readonly reason: ErrorReason;
  readonly params: ErrorParams;
}

/** Names a refusal by its reason and parameters; the server words it in English. */
export function said(reason: ErrorReason, params: ErrorParams = {}): Worded {
  return { reason, params };
}

let sentencePatterns: { reason: ErrorReason; pattern: RegExp; names: string[] }[] | undefined;

/**
 * The reason and parameters of an English sentence the server stored rather than sent with its
 * reason (a redaction's or a poster's status), looked up among the reasons of `area` (as in
 * "redaction"), so a console words it in its language; undefined for one the area lacks.
 */
export function reasonOfSentence(sentence: string, area: string): Worded | undefined {
  sentencePatterns ??= (Object.keys(errorMessages) as ErrorReason[]).map((reason) => {
    const names: string[] = [];
    const source = errorMessages[reason].en
      .split(/(\{\w+\})/)
      .map((part) => {
        const name = /^\{(\w+)\}$/.exec(part)?.[1];
        if (name === undefined) return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
        names.push(name);
        return "(.+?)";
      })
      .join("");
    return { reason, pattern: new RegExp(`^${source}$`, "s"), names };
  });
  for (const { reason, pattern, names } of sentencePatterns) {
    if (!reason.startsWith(`${area}.`)) continue;
    const match = pattern.exec(sentence);
    if (match)
      return said(reason, Object.fromEntries(names.map((n, i) => [n, match[i + 1] ?? ""])));
  }
  return undefined;
}

/** True when `reason` is a key of the catalogue (an answer from a newer server may carry others). */
export function isErrorReason(reason: unknown): reason is ErrorReason {
  return typeof reason === "string" && Object.hasOwn(errorMessages, reason);
}

/**
 * The Chinese of the English words a parameter may hold (a state, a role, what an action is on),
 * so a Chinese sentence never shows them in English. The server keeps sending the English word
 * in `params` (the English sentence reads as before); a value not listed is shown as it is.
 */
export const errorWords: Readonly<Record<string, string>> = {
  // Who may act (AccessPolicy names the roles an action needs).
  "an admin": "管理员",
  "an operator": "操作员",
  "a moderator": "审核员",
  "an operator or a moderator": "操作员或审核员",
  // What needs the whole city.
  "A role over the whole city": "授予全市范围的角色",
  "The audit log": "查看审计日志",
  "Where alerts are sent": "查看告警的发送去向",
  "Creating a city": "创建城市",
  "Making a district a city": "把辖区设为城市",
  "An announcement to the whole city": "面向全市的公告",
  // Entry states.
  draft: "草稿",
  pending_review: "待审核",
  "pending review": "待审核",
  approved: "已批准",
  rejected: "已驳回",
  revoked: "已撤下",
  expired: "已过期",
  // Announcement states.
  in_review: "审核中",
  published: "已发布",
  withdrawn: "已撤回",
  ended: "已结束",
  // Poster statuses.
  none: "没有海报",
  queued: "排队等待处理",
  processing: "正在处理",
  done: "已处理完",
  needs_review: "等待确认",
  failed: "处理失败",
  "no reason given": "未说明原因",
  // Emergency review states.
  unreviewed: "尚未复核",
  confirmed: "已确认",
  pulled: "已撤下",
  "awaiting approval": "等待批准",
  // Objection states and decisions.
  received: "已收到",
  suspended: "已暂停",
  dismissed: "已驳回",
  forwarded: "已转交",
  // Rendition variants.
  display: "屏幕显示",
  thumb: "缩略图",
  // What a request carried (validate() names it).
  "query string": "查询参数",
  "entry id": "条目 ID",
  "announcement id": "公告 ID",
  "objection id": "异议 ID",
  "user id": "用户 ID",
  "emergency id": "紧急通知 ID",
  "screen id": "屏幕 ID",
  "district id": "辖区 ID",
  approval: "批准请求",
  rendition: "图片版本请求",
  rejection: "驳回请求",
  regions: "区域标注",
  district: "辖区",
  withdrawal: "撤回请求",
  "user change": "用户修改",
  suspension: "暂停请求",
  submission: "送审请求",
  "sign-in form": "登录表单",
  "set-up form": "设置表单",
  "screen tags": "屏幕标签",
  "screen change": "屏幕修改",
  schedule: "播放时间表",
  revocation: "撤下请求",
  "reload request": "刷新请求",
  pull: "撤下请求",
  poster: "海报",
  "poster acceptance": "海报确认",
  "password change": "密码修改",
  "pairing request": "配对请求",
  "new user": "新用户",
  "import form": "导入表单",
  "identify request": "识别请求",
  forwarding: "转交请求",
  entry: "条目",
  "entry change": "条目修改",
  "emergency notice": "紧急通知",
  dismissal: "驳回请求",
  crop: "裁剪",
  "cover whole photo": "整张照片遮盖",
  confirmation: "确认请求",
  "bulk approval": "批量批准",
  announcement: "公告",
  "announcement edit": "公告修改",
  // Fields (a form's or a request's) and zod's most common problems.
  title: "标题",
  body: "正文",
  email: "电子邮箱",
  password: "密码",
  currentPassword: "当前密码",
  newPassword: "新密码",
  displayName: "显示名称",
  setupToken: "设置令牌",
  caseNumber: "案号",
  court: "法院",
  expiryDate: "截止日期",
  listingDate: "公布日期",
  amount: "金额",
  reason: "原因",
  startsAt: "开始时间",
  endsAt: "结束时间",
  districtIds: "辖区",
  revision: "版本号",
  Required: "必填",
  "Invalid input": "输入无效",
  "Invalid email": "电子邮箱格式不对",
  "Invalid email address": "电子邮箱格式不对",
  "Invalid UUID": "ID 格式不对",
  "Invalid uuid": "ID 格式不对",
};

/** A wait in whole seconds, worded: "14 minutes 53 seconds", "14 分 53 秒". */
export function wordDuration(seconds: number, language: Language): string {
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  if (language === "zh-CN") return m === 0 ? `${s} 秒` : s === 0 ? `${m} 分钟` : `${m} 分 ${s} 秒`;
  const part = (n: number, unit: string): string => `${n} ${unit}${n === 1 ? "" : "s"}`;
  if (m === 0) return part(s, "second");
  return s === 0 ? part(m, "minute") : `${part(m, "minute")} ${part(s, "second")}`;
}

/** A parameter's value as a sentence of `reason` in `language` shows it. */
function wordParam(
  reason: ErrorReason,
  name: string,
  value: string | number,
  language: Language,
): string {
  // A wait is sent as seconds and worded in each language.
  if (name.endsWith("Seconds") && typeof value === "number") return wordDuration(value, language);
  const text = String(value);
  // A pairing code is repeated as the screen shows it ("ABC DEF"), whatever was typed.
  if (name === "code" && reason.startsWith("pairing.")) return groupPairingCode(text);
  // What a revision changed is sent as field names ("fullName,crop") and named in each language.
  if (
    (name === "fields" &&
      (reason === "entry.staleRevisionFields" || reason === "entry.dueProcessMissing")) ||
    (name === "field" && reason === "entry.personalData")
  )
    return wordRevisionFields(text, language);
  if (language === "en") return text;
  return Object.hasOwn(errorWords, text) ? (errorWords[text] ?? text) : text;
}

/**
 * The sentence of a reason in a language, its `{placeholders}` filled (an unknown one kept as
 * is): a `…Seconds` number as a wait, a pairing code grouped as screens show it, a stale
 * approval's changed fields by their names, a known English word in that language.
 */
export function wordError(reason: ErrorReason, params: ErrorParams, language: Language): string {
  return errorMessages[reason][language].replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    return Object.hasOwn(params, name) && value !== undefined
      ? wordParam(reason, name, value, language)
      : whole;
  });
}
