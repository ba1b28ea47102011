-- wrk script: POST a 652-byte-class supergroup message Update with a fresh update_id on every request.
-- Each wrk thread numbers its updates in its own range, so no two requests share an update_id.
local counter = 0
local thread_base = 0
local threads = {}

function setup(thread)
  thread:set("thread_base", #threads * 1000000000)
  table.insert(threads, thread)
end

function init(args)
  counter = thread_base
end

local template = '{"update_id":%d,"message":{"message_id":%d,"from":{"id":%d,"is_bot":false,"first_name":"Studente","last_name":"Rossi","username":"studente_rossi","language_code":"it"},"chat":{"id":%d,"title":"Analisi Matematica 1 - Informatica","type":"supergroup"},"date":1763700000,"text":"Qualcuno sa se domani la lezione di analisi si tiene in aula magna o in aula 200? Grazie in anticipo a tutti!"}}'

request = function()
  counter = counter + 1
  local chat = -1001000000000 - (counter % 500)
  local body = string.format(template, counter, counter, 100000 + (counter % 5000), chat)
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end
